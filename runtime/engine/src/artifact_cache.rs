//! Compiled components, cached by content hash in memory and (optionally) on
//! disk, so an upload compiles once and a restart loads in well under a
//! millisecond instead of recompiling.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use parking_lot::Mutex;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::content_hash::ContentHash;

pub(crate) struct ArtifactCache {
    dir: Option<PathBuf>,
    /// Distinguishes artifacts of engines with different settings or versions.
    engine_tag: String,
    compiled: Mutex<HashMap<ContentHash, Component>>,
}

impl ArtifactCache {
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ArtifactCache {
            dir,
            engine_tag: format!("{:016x}", hasher.finish()),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the compiled component for `bytes`, compiling at most once per
    /// content hash. Errors are compile errors (invalid Wasm).
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        hash: ContentHash,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        if let Some(component) = self.compiled.lock().get(&hash) {
            return Ok(component.clone());
        }
        let component = match self.disk_path(hash) {
            Some(path) => self.disk_or_compile(engine, &path, bytes)?,
            None => Component::new(engine, bytes)?,
        };
        self.compiled.lock().insert(hash, component.clone());
        Ok(component)
    }

    fn disk_path(&self, hash: ContentHash) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(format!("{}.{}.cwasm", hash.to_hex(), self.engine_tag)))
    }

    fn disk_or_compile(
        &self,
        engine: &Engine,
        path: &std::path::Path,
        bytes: &[u8],
    ) -> wasmtime::Result<Component> {
        if path.exists() {
            // SAFETY: the file lives in the host's private cache directory, was
            // written by `precompile_component` of an engine with the same
            // compatibility hash (it is in the file name), and wasmtime checks
            // the artifact header again. Tenants never write this directory.
            #[allow(unsafe_code)]
            match unsafe { Component::deserialize_file(engine, path) } {
                Ok(component) => return Ok(component),
                Err(err) => tracing::warn!(?path, %err, "cached artifact unusable; recompiling"),
            }
        }
        let artifact = engine.precompile_component(bytes)?;
        if let Err(err) = write_atomically(path, &artifact) {
            tracing::warn!(?path, %err, "could not cache the compiled component");
        }
        // SAFETY: `artifact` was just produced by this engine.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(engine, &artifact)? };
        Ok(component)
    }
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
