//! Checks a parsed site file as a whole before anything is written: names present and
//! unique where the store keys by them, references that resolve (a route's number, its
//! scenario, a fallback's queue), working hours that can happen, prompt files that are WAV
//! and components that compile. Each error names the entry's path in the file.

use std::collections::HashSet;
use std::path::Path;

use wasmphony_engine::ScenarioHost;
use wasmphony_store::{
    Fallback, MAX_DEVICES_PER_USER, MAX_NAME_LEN, MAX_PROMPT_BYTES, MIN_SIP_SECRET_LEN,
    normalise_number,
};

use super::model::{ComponentEntry, SiteFile, TenantEntry};
use super::{ConfigError, LoadedComponent, SiteConfig};

/// Largest component file read (the engine's own cap).
const MAX_COMPONENT_FILE_BYTES: u64 = wasmphony_engine::MAX_COMPONENT_BYTES as u64;

type Check<T> = Result<T, (String, String)>;

pub(super) fn validate(
    site: SiteFile,
    file: &Path,
    base: &Path,
    host: &ScenarioHost,
) -> Result<SiteConfig, ConfigError> {
    let invalid = |(path, message): (String, String)| ConfigError::Invalid {
        file: file.display().to_string(),
        path,
        message,
    };
    if site.tenants.is_empty() {
        return Err(invalid(("tenants".into(), "names no tenant".into())));
    }
    let mut slugs = HashSet::new();
    let mut numbers = HashSet::new();
    let mut prompt_audio = Vec::new();
    let mut components = Vec::new();
    for (index, tenant) in site.tenants.iter().enumerate() {
        let at = format!("tenants[{index}]");
        check_tenant(tenant, &at, &mut slugs).map_err(invalid)?;
        // Numbers are unique platform-wide, in whatever form the file writes them.
        let country = tenant.country_code.trim().trim_start_matches('+');
        for (n, number) in tenant.numbers.iter().enumerate() {
            let normalised = normalise_number(number, country);
            if !numbers.insert(normalised.clone()) {
                return Err(invalid((
                    format!("{at}.numbers[{n}]"),
                    format!("{normalised} appears twice in the file"),
                )));
            }
        }
        let mut audio = Vec::new();
        for (n, prompt) in tenant.prompts.iter().enumerate() {
            audio.push(
                read_prompt(&base.join(&prompt.file), &format!("{at}.prompts[{n}]"))
                    .map_err(invalid)?,
            );
        }
        prompt_audio.push(audio);
        let mut loaded = Vec::new();
        for (n, component) in tenant.components.iter().enumerate() {
            let path = format!("{at}.components[{n}]");
            loaded.push(load_component(component, base, host, &path).map_err(invalid)?);
        }
        components.push(loaded);
    }
    Ok(SiteConfig {
        site,
        prompt_audio,
        components,
    })
}

fn text(path: String, value: &str) -> Check<()> {
    if value.trim().is_empty() {
        return Err((path, "is empty".into()));
    }
    if value.len() > MAX_NAME_LEN {
        return Err((path, format!("is longer than {MAX_NAME_LEN} bytes")));
    }
    Ok(())
}

/// Checks `value` is present and not already in `seen`.
fn unique(path: String, value: &str, seen: &mut HashSet<String>, what: &str) -> Check<()> {
    text(path.clone(), value)?;
    if !seen.insert(value.trim().to_owned()) {
        return Err((path, format!("{what} {value:?} appears twice")));
    }
    Ok(())
}

fn check_tenant(tenant: &TenantEntry, at: &str, slugs: &mut HashSet<String>) -> Check<()> {
    unique(format!("{at}.slug"), &tenant.slug, slugs, "tenant")?;
    if !tenant
        .slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err((
            format!("{at}.slug"),
            "use lowercase letters, digits and '-' only".into(),
        ));
    }
    text(format!("{at}.name"), &tenant.name)?;
    let country = tenant.country_code.trim().trim_start_matches('+');
    if !country.bytes().all(|b| b.is_ascii_digit()) || country.len() > 3 {
        return Err((format!("{at}.country_code"), "is not 1-3 digits".into()));
    }

    let mut extensions = HashSet::new();
    let mut usernames = HashSet::new();
    for (n, user) in tenant.users.iter().enumerate() {
        let at = format!("{at}.users[{n}]");
        unique(
            format!("{at}.extension"),
            &user.extension,
            &mut extensions,
            "extension",
        )?;
        text(format!("{at}.name"), &user.name)?;
        if user.phones.len() + user.external_numbers.len() > MAX_DEVICES_PER_USER {
            return Err((
                at,
                format!("more than {MAX_DEVICES_PER_USER} phones and numbers"),
            ));
        }
        for (p, phone) in user.phones.iter().enumerate() {
            let at = format!("{at}.phones[{p}]");
            unique(
                format!("{at}.username"),
                &phone.username,
                &mut usernames,
                "phone user name",
            )?;
            if phone.secret.chars().count() < MIN_SIP_SECRET_LEN {
                return Err((
                    format!("{at}.secret"),
                    format!("needs at least {MIN_SIP_SECRET_LEN} characters"),
                ));
            }
            text(format!("{at}.secret"), &phone.secret)?;
        }
        for (e, number) in user.external_numbers.iter().enumerate() {
            text(format!("{at}.external_numbers[{e}]"), number)?;
        }
    }

    let mut queues = HashSet::new();
    for (n, queue) in tenant.queues.iter().enumerate() {
        let at = format!("{at}.queues[{n}]");
        unique(format!("{at}.name"), &queue.name, &mut queues, "queue")?;
        if queue.max_wait_ms <= 0 || queue.max_length <= 0 {
            return Err((at, "max_wait_ms and max_length must be positive".into()));
        }
    }
    let mut components = HashSet::new();
    for (n, component) in tenant.components.iter().enumerate() {
        unique(
            format!("{at}.components[{n}].name"),
            &component.name,
            &mut components,
            "component",
        )?;
    }
    let mut prompts = HashSet::new();
    for (n, prompt) in tenant.prompts.iter().enumerate() {
        unique(
            format!("{at}.prompts[{n}].name"),
            &prompt.name,
            &mut prompts,
            "prompt",
        )?;
    }
    let refs = References {
        queues: &queues,
        components: &components,
        prompts: &prompts,
    };

    let mut numbers = HashSet::new();
    for (n, number) in tenant.numbers.iter().enumerate() {
        unique(format!("{at}.numbers[{n}]"), number, &mut numbers, "number")?;
    }
    let mut routed = HashSet::new();
    for (n, route) in tenant.routes.iter().enumerate() {
        let at = format!("{at}.routes[{n}]");
        unique(
            format!("{at}.number"),
            &route.number,
            &mut routed,
            "route for number",
        )?;
        if !numbers.contains(route.number.trim()) {
            return Err((
                format!("{at}.number"),
                format!("{:?} is not among the tenant's numbers", route.number),
            ));
        }
        if !components.contains(route.scenario.trim()) {
            return Err((
                format!("{at}.scenario"),
                format!("{:?} is not among the tenant's components", route.scenario),
            ));
        }
        if let Some(fallback) = &route.fallback {
            refs.check(format!("{at}.fallback"), fallback)?;
        }
        if let Some(hours) = &route.working_hours {
            hours
                .validate()
                .map_err(|error| (format!("{at}.working_hours"), error.to_string()))?;
            if let Some(after) = &hours.after_hours {
                refs.check(format!("{at}.working_hours.after_hours"), after)?;
            }
        }
    }
    for (n, queue) in tenant.queues.iter().enumerate() {
        if let Some(overflow) = &queue.overflow {
            refs.check(format!("{at}.queues[{n}].overflow"), overflow)?;
        }
    }
    let mut trunks = HashSet::new();
    for (n, trunk) in tenant.trunks.iter().enumerate() {
        let at = format!("{at}.trunks[{n}]");
        unique(format!("{at}.name"), &trunk.name, &mut trunks, "trunk")?;
        if !(trunk.uri.starts_with("sip:") || trunk.uri.starts_with("sips:")) {
            return Err((format!("{at}.uri"), "must be a sip: URI".into()));
        }
    }
    Ok(())
}

/// What a fallback may name within the tenant's file.
struct References<'a> {
    queues: &'a HashSet<String>,
    components: &'a HashSet<String>,
    prompts: &'a HashSet<String>,
}

impl References<'_> {
    fn check(&self, path: String, fallback: &Fallback) -> Check<()> {
        let (kind, name, known) = match fallback {
            Fallback::Queue { name } => ("queue", name, self.queues),
            Fallback::Scenario { name } => ("component", name, self.components),
            Fallback::Announcement { prompt } => ("prompt", prompt, self.prompts),
            Fallback::Number { number } => return text(path, number),
            Fallback::Voicemail => return Ok(()),
        };
        if known.contains(name.trim()) {
            Ok(())
        } else {
            Err((
                path,
                format!("names {kind} {name:?}, which the tenant does not have"),
            ))
        }
    }
}

fn read_prompt(file: &Path, at: &str) -> Check<Vec<u8>> {
    let path = format!("{at}.file");
    let size = std::fs::metadata(file)
        .map_err(|e| (path.clone(), format!("{}: {e}", file.display())))?
        .len();
    if size == 0 || size > MAX_PROMPT_BYTES as u64 {
        return Err((
            path,
            format!("{}: must be 1 to {MAX_PROMPT_BYTES} bytes", file.display()),
        ));
    }
    let audio =
        std::fs::read(file).map_err(|e| (path.clone(), format!("{}: {e}", file.display())))?;
    if audio.len() < 12 || &audio[0..4] != b"RIFF" || &audio[8..12] != b"WAVE" {
        return Err((path, format!("{}: is not a WAV file", file.display())));
    }
    Ok(audio)
}

fn load_component(
    entry: &ComponentEntry,
    base: &Path,
    host: &ScenarioHost,
    at: &str,
) -> Check<LoadedComponent> {
    let (bytes, default_config, path) = match (&entry.shipped, &entry.file) {
        (Some(_), Some(_)) => {
            return Err((
                at.to_owned(),
                "give either shipped or file, not both".into(),
            ));
        }
        (_, Some(file)) => {
            let path = format!("{at}.file");
            let file = base.join(file);
            let size = std::fs::metadata(&file)
                .map_err(|e| (path.clone(), format!("{}: {e}", file.display())))?
                .len();
            if size > MAX_COMPONENT_FILE_BYTES {
                return Err((
                    path,
                    format!(
                        "{}: larger than {MAX_COMPONENT_FILE_BYTES} bytes",
                        file.display()
                    ),
                ));
            }
            let bytes = std::fs::read(&file)
                .map_err(|e| (path.clone(), format!("{}: {e}", file.display())))?;
            (bytes, None, path)
        }
        (shipped, None) => {
            let name = shipped.as_deref().unwrap_or(&entry.name);
            let path = format!("{at}.shipped");
            let found = wasmphony_scenarios::shipped()
                .iter()
                .find(|s| s.name == name.trim())
                .ok_or_else(|| {
                    let names: Vec<_> = wasmphony_scenarios::shipped()
                        .iter()
                        .map(|s| s.name)
                        .collect();
                    (
                        path.clone(),
                        format!("{name:?} is not a shipped scenario ({})", names.join(", ")),
                    )
                })?;
            let config = serde_json::from_str(found.default_config).ok();
            (found.bytes.to_vec(), config, path)
        }
    };
    let compiled = host
        .compile(&bytes)
        .map_err(|error| (path, error.to_string()))?;
    Ok(LoadedComponent {
        hash: compiled.hash().to_hex(),
        world: compiled.world().as_str(),
        bytes,
        default_config,
    })
}
