/*
 * Test tooling only, never shipped: a stand-in for Windows' bcryptprimitives.dll.
 *
 * Rust's standard library (1.78+) gets random bytes from ProcessPrng in
 * bcryptprimitives.dll, which every Windows 10/11 has. Wine 8.0 (Debian 12) lacks it, so
 * every Rust .exe fails to start under Wine (c0000135). This DLL exports ProcessPrng and
 * forwards it to BCryptGenRandom, which Wine has. scripts/windows.sh builds it with mingw
 * and puts it into the test Wine prefix's system32; it is a gap of the emulator, not of
 * Windows.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
