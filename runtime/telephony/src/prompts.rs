//! Prompt libraries for real calls: the shared base (built-in words and the
//! shipped scenarios' prompts, from directories) plus each tenant's uploads.

use std::path::PathBuf;

use wasmphony_media::codec::Codec;
use wasmphony_media::play::{PromptError, PromptLibrary};
use wasmphony_store::{Store, StoreError, TenantId};

/// Codecs prompts are encoded for at load, so playback never encodes.
/// Opus is left out: encoding every prompt for it costs seconds at start-up and
/// the controller does not offer it to callers yet.
pub const PROMPT_CODECS: [Codec; 2] = [Codec::Pcmu, Codec::Pcma];

/// Loads every `*.wav` of `dirs`, in order (a later file replaces an earlier one of the same name).
pub fn base_library(dirs: &[PathBuf]) -> Result<PromptLibrary, PromptError> {
    let mut library = PromptLibrary::new(&PROMPT_CODECS)?;
    for dir in dirs {
        library.load_dir(dir)?;
    }
    Ok(library)
}

/// The base library plus the tenant's stored prompts (which win over base ones of
/// the same name). A stored prompt that does not decode is skipped and logged: one
/// bad upload must not take the tenant's calls down.
pub async fn tenant_library(
    base: &PromptLibrary,
    store: &Store,
    tenant: TenantId,
) -> Result<PromptLibrary, StoreError> {
    let mut library = base.clone();
    for prompt in store.list_prompts(tenant).await? {
        let (_, audio) = store.prompt_audio(tenant, &prompt.name).await?;
        if let Err(error) = library.insert_wav(&prompt.name, &audio) {
            tracing::warn!(%tenant, prompt = %prompt.name, "stored prompt skipped: {error}");
        }
    }
    Ok(library)
}
