//! Where the examples write their figures: the first argument, or `target/stepsize-examples`.

pub fn output_folder() -> std::path::PathBuf {
    let dir = std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/stepsize-examples")
        });
    std::fs::create_dir_all(&dir).expect("the output folder can be created");
    dir
}
