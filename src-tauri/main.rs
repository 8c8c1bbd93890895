// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// See docs/decisions.md: a first sync of a large scope passes tens of
/// megabytes through several threads, which glibc's per-thread arenas keep.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    baton_app::run();
}
