//! Reading JSON Lines fast and safely: newlines are found with SIMD (`memchr`), a line that
//! lies wholly inside the read buffer is handed out in place (no copy), and a line longer
//! than the limit is skipped without ever being held in memory.

use std::io::{self, BufRead};

/// One line, or the size of one that was over the limit.
pub enum Line<'a> {
    /// The line's bytes, without the `\n` (or `\r\n`).
    Text(&'a [u8]),
    /// A line of this many bytes, longer than the limit, skipped.
    TooLong(usize),
}

/// Call `visit` with every line of `input` and its 1-based number.
pub fn for_each_line<R: BufRead>(
    mut input: R,
    limit: usize,
    mut visit: impl FnMut(u64, Line<'_>),
) -> io::Result<()> {
    let mut pending: Vec<u8> = Vec::new();
    let mut skipping: Option<usize> = None;
    let mut number = 0u64;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            if let Some(skipped) = skipping {
                number += 1;
                visit(number, Line::TooLong(skipped));
            } else if !pending.is_empty() {
                number += 1;
                visit(number, Line::Text(trim_cr(&pending)));
            }
            return Ok(());
        }
        let (used, newline) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, Some(at)),
            None => (available.len(), None),
        };
        let chunk = &available[..newline.unwrap_or(used)];
        if let Some(skipped) = skipping.as_mut() {
            *skipped += chunk.len();
        } else if pending.len() + chunk.len() > limit {
            skipping = Some(pending.len() + chunk.len());
            pending.clear();
        } else if newline.is_some() && pending.is_empty() {
            number += 1;
            visit(number, Line::Text(trim_cr(chunk)));
        } else {
            pending.extend_from_slice(chunk);
        }
        if newline.is_some() {
            if let Some(skipped) = skipping.take() {
                number += 1;
                visit(number, Line::TooLong(skipped));
            } else if !pending.is_empty() {
                number += 1;
                visit(number, Line::Text(trim_cr(&pending)));
                pending.clear();
            }
        }
        input.consume(used);
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn collect(text: &[u8], capacity: usize, limit: usize) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        let reader = BufReader::with_capacity(capacity, text);
        for_each_line(reader, limit, |n, line| {
            out.push(match line {
                Line::Text(t) => (n, String::from_utf8_lossy(t).into_owned()),
                Line::TooLong(size) => (n, format!("<{size} bytes>")),
            })
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_are_numbered_and_stripped_of_their_line_endings() {
        let lines = collect(b"a\r\nbb\n\nccc", 64, 100);
        assert_eq!(
            lines,
            [
                (1, "a".into()),
                (2, "bb".into()),
                (3, "".into()),
                (4, "ccc".into())
            ]
        );
    }

    #[test]
    fn a_line_spanning_several_buffer_fills_is_reassembled() {
        let lines = collect(b"abcdefghij\nxy\n", 3, 100);
        assert_eq!(lines, [(1, "abcdefghij".into()), (2, "xy".into())]);
    }

    #[test]
    fn a_line_over_the_limit_is_reported_by_size_and_the_next_one_is_read() {
        let lines = collect(b"ok\n0123456789\nnext\n", 4, 5);
        assert_eq!(
            lines,
            [
                (1, "ok".into()),
                (2, "<10 bytes>".into()),
                (3, "next".into())
            ]
        );
    }

    #[test]
    fn an_overlong_last_line_without_a_newline_is_reported() {
        let lines = collect(b"ok\n0123456789", 4, 5);
        assert_eq!(lines, [(1, "ok".into()), (2, "<10 bytes>".into())]);
    }
}
