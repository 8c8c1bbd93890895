//! What Baton is to the desktop: whether it opens the phone (`tel:`) links of
//! other applications. Opt-in, because it takes them from the softphone or
//! dialler the user may already have.

use baton_proto::{ApiError, ErrorCode};
use tauri::AppHandle;

use crate::error::{IpcError, IpcResult};

fn link_error(e: impl std::fmt::Display) -> IpcError {
    IpcError(ApiError::new(
        ErrorCode::Internal,
        format!("the desktop would not change its link handler: {e}"),
    ))
}

/// Whether Baton opens `tel:` links on this desktop.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn tel_links_get(app: AppHandle) -> IpcResult<bool> {
    #[cfg(any(target_os = "linux", windows))]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        app.deep_link().is_registered("tel").map_err(link_error)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = app;
        Ok(false)
    }
}

/// Makes Baton the desktop's handler for `tel:` links, or stops it being one.
#[tauri::command]
#[tracing::instrument(skip(app))]
pub fn tel_links_set(app: AppHandle, on: bool) -> IpcResult<bool> {
    #[cfg(any(target_os = "linux", windows))]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let links = app.deep_link();
        if on {
            links.register("tel").map_err(link_error)?;
        } else {
            links.unregister("tel").map_err(link_error)?;
        }
        links.is_registered("tel").map_err(link_error)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        let _ = (app, on);
        Err(IpcError(ApiError::new(
            ErrorCode::BadRequest,
            "this desktop hands out tel: links through its own settings",
        )))
    }
}

/// Saves a file the user exported (a scorecard as CSV) in their Downloads
/// folder, under a name of Baton's choosing, and says where.
#[tauri::command]
#[tracing::instrument(skip(app, contents))]
pub fn export_save(app: AppHandle, file_name: String, contents: String) -> IpcResult<String> {
    use tauri::Manager;
    let plain = file_name.len() <= 100
        && file_name.ends_with(".csv")
        && !file_name.starts_with('.')
        && file_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(IpcError(ApiError::new(
            ErrorCode::BadRequest,
            "an export is saved as a plain .csv name (letters, digits, - _ .)",
        )));
    }
    let save_error = |e: &dyn std::fmt::Display| {
        IpcError(ApiError::new(
            ErrorCode::Storage,
            format!("the export could not be saved: {e}"),
        ))
    };
    // The desktop's Downloads folder; ~/Downloads where the desktop names none.
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|h| h.join("Downloads")))
        .map_err(|e| save_error(&e))?;
    std::fs::create_dir_all(&dir).map_err(|e| save_error(&e))?;
    let path = dir.join(&file_name);
    std::fs::write(&path, contents).map_err(|e| save_error(&e))?;
    Ok(path.display().to_string())
}
