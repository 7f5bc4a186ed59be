//! PNG files of labelled grids: 8-bit palette images, one pixel per cell, zlib-compressed
//! (flate2), so a basin map of 8192² cells is a file of the size its regions need, not 2 MB of
//! SVG rectangles per 200². The bytes depend on the labels only.

use flate2::Compression;
use flate2::Crc;
use flate2::write::ZlibEncoder;
use std::io::Write;

/// One chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A palette PNG of `columns` × `rows` pixels: pixel (i, j) from the top left has colour
/// `palette[index(i, j)]` (indices below the palette's length, at most 256 colours).
pub fn palette_png(
    columns: usize,
    rows: usize,
    palette: &[[u8; 3]],
    index: impl Fn(usize, usize) -> u8,
) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(columns as u32).to_be_bytes());
    header.extend_from_slice(&(rows as u32).to_be_bytes());
    // 8 bits per index, colour type 3 (palette), deflate, filter method 0, no interlace.
    header.extend_from_slice(&[8, 3, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"PLTE", &palette.concat());
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // bound: one row of the image; the caller holds the `labels` of all its pixels.
    let mut line = vec![0u8; columns + 1];
    for j in 0..rows {
        // Filter type 0 (none), then the row's indices.
        for (i, pixel) in line[1..].iter_mut().enumerate() {
            *pixel = index(i, j);
        }
        let _ = encoder.write_all(&line);
    }
    let data = encoder.finish().unwrap_or_default();
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::palette_png;
    use flate2::read::ZlibDecoder;
    use std::io::Read;

    /// The chunks of a PNG file: (type, data), each CRC checked.
    fn chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut out = Vec::new();
        let mut at = 8;
        while at < png.len() {
            let n = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + n];
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            let stored = u32::from_be_bytes(png[at + 8 + n..at + 12 + n].try_into().unwrap());
            assert_eq!(
                crc.sum(),
                stored,
                "CRC of {}",
                String::from_utf8_lossy(kind)
            );
            out.push((String::from_utf8_lossy(kind).to_string(), data.to_vec()));
            at += 12 + n;
        }
        out
    }

    #[test]
    fn a_palette_png_decodes_to_its_pixels() {
        let (columns, rows) = (37, 5);
        let index = |i: usize, j: usize| ((i * 3 + j * 7) % 4) as u8;
        let palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]];
        let png = palette_png(columns, rows, &palette, index);
        let parts = chunks(&png);
        let kinds: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["IHDR", "PLTE", "IDAT", "IEND"]);
        let header = &parts[0].1;
        assert_eq!(u32::from_be_bytes(header[0..4].try_into().unwrap()), 37);
        assert_eq!(u32::from_be_bytes(header[4..8].try_into().unwrap()), 5);
        assert_eq!(&header[8..], &[8, 3, 0, 0, 0]);
        assert_eq!(parts[1].1, palette.concat());
        let mut raw = Vec::new();
        ZlibDecoder::new(&parts[2].1[..])
            .read_to_end(&mut raw)
            .unwrap();
        assert_eq!(raw.len(), rows * (columns + 1));
        for j in 0..rows {
            let line = &raw[j * (columns + 1)..(j + 1) * (columns + 1)];
            assert_eq!(line[0], 0, "filter type of row {j}");
            for i in 0..columns {
                assert_eq!(line[1 + i], index(i, j), "pixel ({i}, {j})");
            }
        }
    }
}
