//! The `Range: bytes=...` header of a download (RFC 9110 §14): one range is served as a
//! 206 partial response; several ranges (rare for audio players) get the whole file, which
//! the RFC allows.

/// A satisfiable byte range of a file: `start..=end`, both within the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteRange {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl ByteRange {
    /// How many bytes it covers.
    pub(crate) fn len(self) -> u64 {
        self.end - self.start + 1
    }
}

/// What to send for a `Range` header and a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeAnswer {
    /// No (usable) range: the whole file, 200.
    Whole,
    /// One range, 206.
    Partial(ByteRange),
    /// A range outside the file, 416.
    Unsatisfiable,
}

/// Decides what to send for `header` (the `Range` value, if any) and a file of `size`.
pub(crate) fn answer(header: Option<&str>, size: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|value| value.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Whole;
    };
    if spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let number = |text: &str| text.trim().parse::<u64>().ok();
    let range = match (first.trim().is_empty(), last.trim().is_empty()) {
        // `bytes=-N`: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => return RangeAnswer::Unsatisfiable,
            Some(suffix) if size > 0 => ByteRange {
                start: size.saturating_sub(suffix),
                end: size - 1,
            },
            Some(_) => return RangeAnswer::Unsatisfiable,
            None => return RangeAnswer::Whole,
        },
        // `bytes=N-`: from N to the end.
        (false, true) => match number(first) {
            Some(start) if start < size => ByteRange {
                start,
                end: size - 1,
            },
            Some(_) => return RangeAnswer::Unsatisfiable,
            None => return RangeAnswer::Whole,
        },
        // `bytes=N-M`: clipped to the file.
        (false, false) => match (number(first), number(last)) {
            (Some(start), Some(end)) if start > end => return RangeAnswer::Whole,
            (Some(start), Some(_)) if start >= size => return RangeAnswer::Unsatisfiable,
            (Some(start), Some(end)) => ByteRange {
                start,
                end: end.min(size - 1),
            },
            _ => return RangeAnswer::Whole,
        },
        (true, true) => return RangeAnswer::Whole,
    };
    RangeAnswer::Partial(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(start: u64, end: u64) -> RangeAnswer {
        RangeAnswer::Partial(ByteRange { start, end })
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(answer(None, 100), RangeAnswer::Whole);
        assert_eq!(answer(Some("bytes=0-9"), 100), partial(0, 9));
        assert_eq!(answer(Some("bytes=90-200"), 100), partial(90, 99));
        assert_eq!(answer(Some("bytes=50-"), 100), partial(50, 99));
        assert_eq!(answer(Some("bytes=-10"), 100), partial(90, 99));
        assert_eq!(answer(Some("bytes=-500"), 100), partial(0, 99));
        assert_eq!(answer(Some("bytes=100-"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(
            answer(Some("bytes=100-120"), 100),
            RangeAnswer::Unsatisfiable
        );
        assert_eq!(answer(Some("bytes=-0"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer(Some("bytes=-5"), 0), RangeAnswer::Unsatisfiable);
        // Invalid or unsupported forms are ignored: the whole file.
        assert_eq!(answer(Some("bytes=9-1"), 100), RangeAnswer::Whole);
        assert_eq!(answer(Some("bytes=0-1,5-6"), 100), RangeAnswer::Whole);
        assert_eq!(answer(Some("items=0-1"), 100), RangeAnswer::Whole);
        assert_eq!(answer(Some("bytes=x-y"), 100), RangeAnswer::Whole);
        assert_eq!(ByteRange { start: 5, end: 5 }.len(), 1);
    }
}
