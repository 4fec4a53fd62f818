//! The PDF written out. printpdf builds each part's objects (subsetting the fonts); here
//! the stamps (blocks drawn once per document, serialised by printpdf as extra pages)
//! become form XObjects, the streams not compressed yet are compressed, the parts of a
//! large batch (laid out on separate cores) are merged into one document, and a
//! signature image that two parts both embedded is kept once.
//!
//! Merging is plain PDF object surgery: the second part's objects are renumbered after
//! the first's, its pages join the first's page tree, and its catalog, page tree root
//! and info dictionary are dropped. Each part keeps its own font subsets, which is the
//! price of laying the parts out independently (tens of KB a part).

use lopdf::{Document, Object, ObjectId};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The zlib level of the page content streams: many small, highly repetitive streams,
/// where level 1 costs a third of level 6's time for a few hundred bytes a page.
const CONTENT_LEVEL: u8 = 1;

/// The zlib level of large streams (the embedded font subsets, once per part): level 6
/// keeps one form under 80 KB; level 9 (what lopdf uses) costs several times as long.
const LARGE_LEVEL: u8 = 6;

/// Streams at least this long are compressed at [`LARGE_LEVEL`].
const LARGE_STREAM: usize = 16 * 1024;

/// Compresses every stream that has no filter yet, on `threads` threads.
pub(crate) fn compress_streams(lo: &mut Document, threads: usize) {
    let mut todo: Vec<&mut lopdf::Stream> = lo
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.dict.get(b"Filter").is_err() => Some(s),
            _ => None,
        })
        .collect();
    let compress = |part: &mut [&mut lopdf::Stream]| {
        for stream in part.iter_mut() {
            let level = if stream.content.len() >= LARGE_STREAM { LARGE_LEVEL } else { CONTENT_LEVEL };
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&stream.content, level);
            if compressed.len() < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(compressed);
            }
        }
    };
    if threads <= 1 {
        compress(&mut todo);
        return;
    }
    let chunk = todo.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in todo.chunks_mut(chunk) {
            scope.spawn(move || compress(part));
        }
    });
}

/// The document's bytes.
pub(crate) fn save(lo: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = lo.save_to(&mut out);
    out
}

/// One document with the pages of all `parts`, in order.
pub(crate) fn merge(parts: Vec<Document>) -> Result<Document, lopdf::Error> {
    let mut parts = parts.into_iter();
    let Some(mut base) = parts.next() else { return Ok(Document::with_version("1.7")) };
    let base_pages = base.catalog()?.get(b"Pages")?.as_reference()?;
    for mut other in parts {
        other.renumber_objects_with(base.max_id + 1);
        let root = other.trailer.get(b"Root")?.as_reference()?;
        let info = other.trailer.get(b"Info").and_then(Object::as_reference).ok();
        let pages = other.get_dictionary(root)?.get(b"Pages")?.as_reference()?;
        let kids = other.get_dictionary(pages)?.get(b"Kids")?.as_array()?.clone();
        for kid in &kids {
            other.get_dictionary_mut(kid.as_reference()?)?.set("Parent", Object::Reference(base_pages));
        }
        other.objects.remove(&root);
        other.objects.remove(&pages);
        if let Some(info) = info {
            other.objects.remove(&info);
        }
        base.max_id = base.max_id.max(other.max_id);
        base.objects.extend(other.objects);
        let tree = base.get_dictionary_mut(base_pages)?;
        let count = tree.get(b"Count")?.as_i64()? + kids.len() as i64;
        tree.get_mut(b"Kids")?.as_array_mut()?.extend(kids);
        tree.set("Count", count);
    }
    dedupe_images(&mut base);
    Ok(base)
}

/// Keeps one copy of each identical image stream (a parent's signature printed in two
/// parts), pointing every reference at it.
fn dedupe_images(doc: &mut Document) {
    let mut first: HashMap<(Vec<u8>, &[u8]), ObjectId> = HashMap::new();
    let mut replace: HashMap<ObjectId, ObjectId> = HashMap::new();
    for (id, object) in &doc.objects {
        let Object::Stream(s) = object else { continue };
        if s.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image".as_slice()) {
            continue;
        }
        // The dictionary (size, colour space, filter) and the bytes must both match.
        let mut dict = Vec::new();
        for (k, v) in s.dict.iter() {
            dict.extend_from_slice(k);
            dict.extend_from_slice(format!("={v:?};").as_bytes());
        }
        match first.entry((dict, s.content.as_slice())) {
            Entry::Occupied(keep) => {
                replace.insert(*id, *keep.get());
            }
            Entry::Vacant(slot) => {
                slot.insert(*id);
            }
        }
    }
    if replace.is_empty() {
        return;
    }
    doc.traverse_objects(|object| {
        if let Object::Reference(id) = object
            && let Some(keep) = replace.get(id)
        {
            *id = *keep;
        }
    });
    for dup in replace.keys() {
        doc.objects.remove(dup);
    }
}

/// Turns the last `stamps.len()` pages of `lo` (the stamps' drawings, in order) into the
/// content of the form XObjects `stamps` name, and removes those pages.
pub(crate) fn install_stamps(
    lo: &mut Document,
    stamps: &[printpdf::XObjectId],
    [page_w, page_h]: [f32; 2],
) -> Result<(), lopdf::Error> {
    if stamps.is_empty() {
        return Ok(());
    }
    let tree_id = lo.catalog()?.get(b"Pages")?.as_reference()?;
    let kids = lo.get_dictionary(tree_id)?.get(b"Kids")?.as_array()?.clone();
    let Some(first) = kids.len().checked_sub(stamps.len()) else {
        return Err(lopdf::Error::PageNumberNotFound(stamps.len() as u32));
    };
    for (stamp, page) in stamps.iter().zip(&kids[first..]) {
        let page_id = page.as_reference()?;
        let page_dict = lo.get_dictionary(page_id)?;
        let content_id = page_dict.get(b"Contents")?.as_reference()?;
        let resources_id = page_dict.get(b"Resources")?.as_reference()?;
        let xobjects_id = lo.get_dictionary(resources_id)?.get(b"XObject")?.as_reference()?;
        let form_id = lo.get_dictionary(xobjects_id)?.get(stamp.0.as_bytes())?.as_reference()?;
        let content = match lo.objects.remove(&content_id) {
            Some(Object::Stream(s)) => s.content,
            _ => return Err(lopdf::Error::ObjectNotFound(content_id)),
        };
        lo.objects.remove(&page_id);
        let Some(Object::Stream(form)) = lo.objects.get_mut(&form_id) else {
            return Err(lopdf::Error::ObjectNotFound(form_id));
        };
        // Drawn with its top at y = 0, placed anywhere on the page: the box covers both.
        form.dict.set("BBox", vec![0.into(), (-page_h).into(), page_w.into(), page_h.into()]);
        form.dict.set("Resources", Object::Reference(resources_id));
        form.set_content(content);
    }
    let tree = lo.get_dictionary_mut(tree_id)?;
    tree.set("Kids", kids[..first].to_vec());
    tree.set("Count", first as i64);
    Ok(())
}
