//! The application form (申請書) as PDF. Not built yet: see issue 5.
