//! Real labelled data sets: the digits set shipped with the crate (`data/README.md` gives its
//! source and licence), and readers for IDX files (the MNIST / Fashion-MNIST format, raw or
//! gzip-compressed) and for labelled CSV files (features then the label on each row).
//!
//! A file that is not what it claims (a wrong magic number, a header whose sizes the bytes do
//! not fill, a ragged or unparsable row, a label out of range, images and labels of different
//! counts) is a [`ModelError::DataFile`] naming the file, what was expected and what was
//! found. Sizes a header declares are checked against [`MAX_DATA_BYTES`] before anything is
//! allocated.

use crate::error::{ModelError, Result};
use std::io::Read;
use std::path::Path;

/// The largest data set a reader allocates, in bytes of f64 inputs (8 GiB).
pub const MAX_DATA_BYTES: usize = 8 << 30;

/// The digits set: 1797 images of 8 × 8 pixels (values 0..=16), labels 0..=9. scikit-learn's
/// `digits.csv.gz`, the test set of the UCI "Optical Recognition of Handwritten Digits"
/// (Alpaydin & Kaynak 1998), CC BY 4.0.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");

/// A labelled data set: inputs one sample after another (n_0 × N, column-major) and a class
/// per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledData {
    /// Input features per sample, n_0.
    pub features: usize,
    /// Number of classes; every label is below it.
    pub classes: usize,
    /// Inputs, n_0 × N column-major.
    pub x: Vec<f64>,
    /// The class of each sample.
    pub labels: Vec<usize>,
}

fn data_error(path: &str, expected: impl Into<String>, found: impl Into<String>) -> ModelError {
    ModelError::DataFile {
        path: path.to_string(),
        expected: expected.into(),
        found: found.into(),
    }
}

/// The bytes of `raw`, gunzipped if they start with gzip's magic number, reading at most
/// `limit` bytes of output (one more is an error: the file is larger than declared).
fn maybe_gunzip(path: &str, raw: Vec<u8>, limit: usize) -> Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| data_error(path, "a valid gzip stream", e.to_string()))?;
        if out.len() > limit {
            return Err(data_error(
                path,
                format!("at most {limit} bytes once decompressed"),
                "more",
            ));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        data_error(
            &path.display().to_string(),
            "a readable file",
            e.to_string(),
        )
    })
}

/// The header of an IDX file of unsigned bytes: its dimensions, and where the data start.
fn idx_header(path: &str, bytes: &[u8]) -> Result<(Vec<usize>, usize)> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(data_error(
            path,
            "an IDX file (magic number 0x0000TTDD)",
            format!(
                "{} bytes starting {:02x?}",
                bytes.len(),
                &bytes[..bytes.len().min(4)]
            ),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(data_error(
            path,
            "IDX data of unsigned bytes (type 0x08)",
            format!("type 0x{:02x}", bytes[2]),
        ));
    }
    let dims = usize::from(bytes[3]);
    let start = 4 + 4 * dims;
    if dims == 0 || bytes.len() < start {
        return Err(data_error(
            path,
            format!("{dims} dimension sizes after the magic number (at least one)"),
            format!("{} bytes", bytes.len()),
        ));
    }
    let sizes = bytes[4..start]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    Ok((sizes, start))
}

/// The bytes of an IDX file (gunzipped if compressed) checked against its header: the
/// dimensions and the data.
fn read_idx(path: &Path, dims: usize) -> Result<(Vec<usize>, Vec<u8>, usize)> {
    let name = path.display().to_string();
    let raw = read_file(path)?;
    let bytes = maybe_gunzip(&name, raw, MAX_DATA_BYTES / 8 + 4 + 4 * 255)?;
    let (sizes, start) = idx_header(&name, &bytes)?;
    if sizes.len() != dims {
        return Err(data_error(
            &name,
            format!("{dims} dimension(s)"),
            format!("{} ({sizes:?})", sizes.len()),
        ));
    }
    let count = sizes.iter().try_fold(1_usize, |p, &s| p.checked_mul(s));
    match count {
        Some(n) if n.checked_mul(8).is_some_and(|b| b <= MAX_DATA_BYTES) => {
            if bytes.len() - start != n {
                return Err(data_error(
                    &name,
                    format!("{n} data bytes for dimensions {sizes:?}"),
                    format!("{}", bytes.len() - start),
                ));
            }
        }
        _ => {
            return Err(data_error(
                &name,
                format!("dimensions whose data fit in {MAX_DATA_BYTES} bytes as f64"),
                format!("{sizes:?}"),
            ));
        }
    }
    Ok((sizes, bytes, start))
}

impl LabelledData {
    /// The digits set (1797 samples, 64 features with values 0..=16, 10 classes), from the
    /// copy shipped with the crate.
    pub fn digits() -> Result<Self> {
        let text = maybe_gunzip("digits.csv.gz", DIGITS_CSV_GZ.to_vec(), 1 << 20)?;
        let text = String::from_utf8(text)
            .map_err(|e| data_error("digits.csv.gz", "UTF-8 text", e.to_string()))?;
        Self::parse_csv("digits.csv.gz", &text, 10)
    }

    /// Images and labels from a pair of IDX files (MNIST's format: images N × rows × cols and
    /// labels N, unsigned bytes, raw or gzip-compressed); pixel values unscaled (0..=255) and
    /// `classes` classes.
    pub fn from_idx(images: &Path, labels: &Path, classes: usize) -> Result<Self> {
        let (image_sizes, image_bytes, image_start) = read_idx(images, 3)?;
        let (label_sizes, label_bytes, label_start) = read_idx(labels, 1)?;
        if image_sizes[0] != label_sizes[0] {
            return Err(data_error(
                &labels.display().to_string(),
                format!(
                    "{} labels, one per image of {}",
                    image_sizes[0],
                    images.display()
                ),
                format!("{}", label_sizes[0]),
            ));
        }
        let x = image_bytes[image_start..]
            .iter()
            .map(|&b| f64::from(b))
            .collect();
        let labels_read: Vec<usize> = label_bytes[label_start..]
            .iter()
            .map(|&b| usize::from(b))
            .collect();
        Self::checked(
            &labels.display().to_string(),
            image_sizes[1] * image_sizes[2],
            classes,
            x,
            labels_read,
        )
    }

    /// A CSV file of numbers, one sample per row: its features, then its label (a whole
    /// number below `classes`); no header.
    pub fn from_csv(path: &Path, classes: usize) -> Result<Self> {
        let name = path.display().to_string();
        let raw = read_file(path)?;
        let bytes = maybe_gunzip(&name, raw, MAX_DATA_BYTES / 8)?;
        let text =
            String::from_utf8(bytes).map_err(|e| data_error(&name, "UTF-8 text", e.to_string()))?;
        Self::parse_csv(&name, &text, classes)
    }

    fn parse_csv(name: &str, text: &str, classes: usize) -> Result<Self> {
        let mut x = Vec::new();
        let mut labels = Vec::new();
        let mut features = None;
        for (row, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let width = *features.get_or_insert(fields.len().saturating_sub(1));
            if fields.len() != width + 1 || width == 0 {
                return Err(data_error(
                    name,
                    format!(
                        "{} fields on every row (features, then the label)",
                        width + 1
                    ),
                    format!("{} on row {}", fields.len(), row + 1),
                ));
            }
            for field in &fields[..width] {
                let value: f64 = field.parse().map_err(|_| {
                    data_error(name, "a number", format!("{field:?} on row {}", row + 1))
                })?;
                x.push(value);
            }
            let label = fields[width];
            let class = label
                .parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < classes as f64)
                .ok_or_else(|| {
                    data_error(
                        name,
                        format!("a label in 0..{classes}"),
                        format!("{label:?} on row {}", row + 1),
                    )
                })?;
            labels.push(class as usize);
        }
        Self::checked(name, features.unwrap_or(0), classes, x, labels)
    }

    fn checked(
        name: &str,
        features: usize,
        classes: usize,
        x: Vec<f64>,
        labels: Vec<usize>,
    ) -> Result<Self> {
        if labels.is_empty() || features == 0 {
            return Err(data_error(
                name,
                "at least one sample with at least one feature",
                "none",
            ));
        }
        if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(data_error(
                name,
                "finite inputs",
                format!("{v} in sample {}", i / features),
            ));
        }
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, l)| **l >= classes) {
            return Err(data_error(
                name,
                format!("labels in 0..{classes}"),
                format!("{l} for sample {i}"),
            ));
        }
        Ok(Self {
            features,
            classes,
            x,
            labels,
        })
    }

    /// Number of samples N.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples (never true for a data set a reader returned).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The first `count` samples.
    pub fn first(&self, count: usize) -> Result<Self> {
        if count == 0 || count > self.len() {
            return crate::error::invalid(
                "count",
                count,
                format!("1..={} (the samples there are)", self.len()),
            );
        }
        Ok(Self {
            features: self.features,
            classes: self.classes,
            x: self.x[..count * self.features].to_vec(),
            labels: self.labels[..count].to_vec(),
        })
    }

    /// Every input multiplied by `factor` (e.g. 1/16 for digits' pixels, 1/255 for MNIST's).
    pub fn scaled(mut self, factor: f64) -> Result<Self> {
        if !factor.is_finite() || factor == 0.0 {
            return crate::error::invalid("scale", factor, "a finite, non-zero number");
        }
        self.x.iter_mut().for_each(|v| *v *= factor);
        Ok(self)
    }

    /// One-hot targets, classes × N column-major; refused past [`MAX_DATA_BYTES`] or with a
    /// label not below `classes`.
    pub fn one_hot(&self) -> Result<Vec<f64>> {
        let n = self.len();
        let numbers = self
            .classes
            .checked_mul(n)
            .filter(|c| c.checked_mul(8).is_some_and(|b| b <= MAX_DATA_BYTES));
        let Some(numbers) = numbers else {
            return Err(ModelError::Invalid {
                field: "classes",
                value: self.classes.to_string(),
                allowed: format!(
                    "at most {} classes for {n} samples (one-hot targets within {MAX_DATA_BYTES} bytes)",
                    MAX_DATA_BYTES / 8 / n.max(1)
                ),
            });
        };
        if let Some((i, &l)) = self
            .labels
            .iter()
            .enumerate()
            .find(|(_, l)| **l >= self.classes)
        {
            return Err(data_error(
                "labels",
                format!("labels in 0..{}", self.classes),
                format!("{l} for sample {i}"),
            ));
        }
        // bound: `MAX_DATA_BYTES`, checked above.
        let mut y = vec![0.0; numbers];
        for (i, &l) in self.labels.iter().enumerate() {
            y[i * self.classes + l] = 1.0;
        }
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::LabelledData;
    use crate::error::ModelError;

    #[test]
    fn digits_have_the_published_shape_and_class_counts() {
        let d = LabelledData::digits().unwrap();
        assert_eq!((d.len(), d.features, d.classes), (1797, 64, 10));
        assert!(
            d.x.iter()
                .all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0)
        );
        // scikit-learn's load_digits: 178, 182, 177, 183, 181, 182, 181, 179, 174, 180.
        let mut counts = [0; 10];
        d.labels.iter().for_each(|&l| counts[l] += 1);
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        let y = d.one_hot().unwrap();
        assert_eq!(y.iter().sum::<f64>(), 1797.0);
        assert_eq!(y[d.labels[5] + 50], 1.0);
    }

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn idx_files_are_read_raw_and_gzipped_and_bad_ones_are_named() {
        let dir = std::env::temp_dir().join(format!("gd-models-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let images = write(
            &dir,
            "images",
            &idx(&[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]),
        );
        let labels = write(&dir, "labels", &idx(&[3], &[2, 0, 1]));
        let d = LabelledData::from_idx(&images, &labels, 3).unwrap();
        assert_eq!((d.len(), d.features), (3, 4));
        assert_eq!(d.x[11], 255.0);
        assert_eq!(d.labels, vec![2, 0, 1]);
        let mut gz = Vec::new();
        {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::default());
            e.write_all(&idx(&[3], &[2, 0, 1])).unwrap();
            e.finish().unwrap();
        }
        let labels_gz = write(&dir, "labels.gz", &gz);
        assert_eq!(LabelledData::from_idx(&images, &labels_gz, 3).unwrap(), d);

        let truncated = write(&dir, "truncated", &idx(&[3, 2, 2], &[0; 11]));
        let wrong_magic = write(&dir, "magic", &[1, 2, 3, 4, 5, 6, 7, 8]);
        let wrong_type = write(&dir, "type", &[0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        let short_labels = write(&dir, "short", &idx(&[2], &[0, 1]));
        let out_of_range = write(&dir, "range", &idx(&[3], &[0, 1, 7]));
        let huge = write(&dir, "huge", &idx(&[u32::MAX, u32::MAX, 4], &[]));
        let cases = [
            (&truncated, &labels, "truncated", "12 data bytes"),
            (&wrong_magic, &labels, "magic", "magic number"),
            (&wrong_type, &labels, "type", "type 0x08"),
            (&images, &short_labels, "short", "3 labels"),
            (&images, &out_of_range, "range", "labels in 0..3"),
            (&huge, &labels, "huge", "fit in"),
            (&labels, &labels, "labels", "3 dimension(s)"),
        ];
        for (i, l, file, expected) in cases {
            match LabelledData::from_idx(i, l, 3) {
                Err(ModelError::DataFile {
                    path, expected: e, ..
                }) => {
                    assert!(path.ends_with(file), "{path} for {file}");
                    assert!(e.contains(expected), "{e} for {file}");
                }
                other => panic!("{file}: {other:?}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_rows_are_checked() {
        let dir = std::env::temp_dir().join(format!("gd-models-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = write(&dir, "good.csv", b"1,2,0\n3,4.5,1\n");
        let d = LabelledData::from_csv(&good, 2).unwrap();
        assert_eq!(
            (d.x.clone(), d.labels.clone()),
            (vec![1.0, 2.0, 3.0, 4.5], vec![0, 1])
        );
        for (name, text, expected) in [
            ("ragged.csv", "1,2,0\n3,1\n", "3 fields"),
            ("nan.csv", "1,NaN,0\n", "finite inputs"),
            ("word.csv", "1,x,0\n", "a number"),
            ("label.csv", "1,2,5\n", "a label in 0..2"),
            ("fraction.csv", "1,2,0.5\n", "a label in 0..2"),
            ("empty.csv", "\n", "at least one sample"),
        ] {
            let p = write(&dir, name, text.as_bytes());
            match LabelledData::from_csv(&p, 2) {
                Err(ModelError::DataFile {
                    path, expected: e, ..
                }) => {
                    assert!(path.ends_with(name) && e.contains(expected), "{name}: {e}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    mod properties {
        //! What a user hands in as IDX files: any header and any length, raw or gzipped, is
        //! read or refused with a `DataFile` error naming one of the two files, never a panic
        //! or an allocation the header alone asked for.

        use super::{LabelledData, ModelError, idx, write};
        use proptest::prelude::*;
        use std::io::Write;

        /// An IDX file's bytes: a header of `dims` sizes (some wrong), data of about the size
        /// the header says (sometimes short or long), the magic or type sometimes corrupted.
        fn file(dims: usize) -> impl Strategy<Value = Vec<u8>> {
            (
                prop::collection::vec(prop_oneof![0u32..12, any::<u32>()], dims..=dims + 1),
                -3i64..3,
                prop::option::of((0usize..4, any::<u8>())),
                any::<bool>(),
                any::<u8>(),
            )
                .prop_map(|(sizes, delta, corrupt, truncate_header, fill)| {
                    let n = sizes
                        .iter()
                        .try_fold(1u64, |p, &s| p.checked_mul(u64::from(s)));
                    let len = n
                        .filter(|n| *n <= 4096)
                        .map_or(7, |n| (n as i64 + delta).max(0) as usize);
                    let mut bytes = idx(&sizes, &vec![fill % 10; len]);
                    if let Some((at, b)) = corrupt {
                        bytes[at] = b;
                    }
                    if truncate_header {
                        bytes.truncate(4 + 2 * sizes.len());
                    }
                    bytes
                })
        }

        fn gzip(bytes: &[u8]) -> Vec<u8> {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

            #[test]
            fn any_idx_pair_is_read_or_refused_by_file(
                images in file(3),
                labels in file(1),
                gzipped in any::<bool>(),
                classes in 0usize..12,
            ) {
                let dir = std::env::temp_dir().join(format!("gd-models-idx-prop-{}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                let (images, labels) = if gzipped { (gzip(&images), gzip(&labels)) } else { (images, labels) };
                let i = write(&dir, "images.idx", &images);
                let l = write(&dir, "labels.idx", &labels);
                match LabelledData::from_idx(&i, &l, classes) {
                    Ok(d) => prop_assert!(!d.is_empty() && d.labels.iter().all(|&c| c < classes)),
                    Err(ModelError::DataFile { path, .. }) => {
                        prop_assert!(path.ends_with("images.idx") || path.ends_with("labels.idx"), "{path}");
                    }
                    Err(ModelError::Invalid { .. } | ModelError::TooLarge { .. }) => {}
                    Err(other) => prop_assert!(false, "{other}"),
                }
            }
        }
    }
}
