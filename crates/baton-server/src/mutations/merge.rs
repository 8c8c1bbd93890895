//! Merging duplicate customers, safely: every row of the merged customer moves to
//! the survivor and is listed in the merge record, the merged customer's row stays
//! (marked `merged_into`), both timelines are kept, and an undo moves back exactly
//! what moved. Consoles follow through the feed: the merged customer is removed
//! from every scope that saw it, and the survivor and its moved jobs are upserted.

use std::collections::BTreeMap;

use baton_proto::validate;
use baton_proto::{ErrorCode, Text, TextArg, TimelineKind};

use super::Ctx;
use crate::docs;
use crate::error::ServerError;
use crate::store;
use crate::wire::{from_json, to_json};

type Moved = BTreeMap<String, Vec<String>>;

/// Moves `ids` of each table (all rows, when `only` is `None`) from one customer to another.
fn move_rows(ctx: &Ctx<'_>, from: &str, to: &str, only: Option<&Moved>) -> Result<Moved, ServerError> {
    let mut moved = Moved::new();
    for table in store::merges::OWNED {
        let ids: Vec<String> = match only {
            Some(m) => m.get(table).cloned().unwrap_or_default(),
            None => store::merges::rows_of(ctx.conn, table, from)?,
        };
        if ids.is_empty() {
            continue;
        }
        store::merges::move_rows(ctx.conn, table, from, to, &ids)?;
        moved.insert(table.to_string(), ids);
    }
    Ok(moved)
}

fn counts(moved: &Moved) -> String {
    let n = |t: &str| moved.get(t).map_or(0, Vec::len);
    format!(
        "{} people, {} addresses, {} orders, {} jobs, {} tickets, {} callbacks, {} commitments",
        n("people"),
        n("addresses"),
        n("orders"),
        n("jobs"),
        n("tickets"),
        n("callbacks"),
        n("commitments")
    )
}

pub fn merge(ctx: &mut Ctx<'_>, survivor_id: &str, merged_id: &str, merge_id: &str) -> Result<(), ServerError> {
    ctx.require_internal("merge customers")?;
    validate::id("merge_id", merge_id)?;
    if survivor_id == merged_id {
        return Err(ServerError::bad_request("a customer cannot be merged into itself"));
    }
    let survivor = ctx.customer(survivor_id)?;
    let merged = ctx.customer(merged_id)?;
    ctx.require_new("merges", merge_id)?;
    let saw_merged = docs::scopes_of_customer(ctx.conn, merged_id)?;
    let saw_survivor = docs::scopes_of_customer(ctx.conn, survivor_id)?;

    let moved = move_rows(ctx, merged_id, survivor_id, None)?;
    store::merges::record(
        ctx.conn,
        &store::merges::NewMerge {
            id: merge_id,
            survivor_id,
            merged_id,
            moved: &to_json(&moved)?,
            at: &ctx.at,
            by_user: &ctx.caller.user.id,
        },
    )?;
    ctx.audit("merge_customers", "customer", merged_id, Some(merged_id), survivor_id)?;
    ctx.timeline(
        survivor_id,
        TimelineKind::Merged,
        &Text::new(
            &format!(
                "{} ({{0}}) merged into {} ({{1}}): {} moved, both histories kept",
                merged.number,
                survivor.number,
                counts(&moved)
            ),
            vec![
                TextArg::quote(&merged.display_name),
                TextArg::quote(&survivor.display_name),
            ],
        ),
        None,
        None,
    )?;
    publish(ctx, &moved, &[(merged_id, &saw_merged), (survivor_id, &saw_survivor)])
}

pub fn undo(ctx: &mut Ctx<'_>, survivor_id: &str, merge_id: &str) -> Result<(), ServerError> {
    ctx.require_internal("undo a merge")?;
    let row = store::merges::get(ctx.conn, merge_id)?.map(|m| (m.survivor_id, m.merged_id, m.moved, m.undone_at));
    let Some((survivor, merged_id, moved, undone)) = row.filter(|r| r.0 == survivor_id) else {
        return Err(ServerError::not_found("merge"));
    };
    if undone.is_some() {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            "this merge was already undone".into(),
        ));
    }
    // The survivor must still be a customer of its own: undo later merges first.
    let survivor_doc = ctx.customer(&survivor).map_err(|_| {
        ServerError::Api(
            ErrorCode::Conflict,
            "the surviving customer was itself merged since; undo that merge first".into(),
        )
    })?;
    let moved: Moved = from_json("merge record", &moved)?;
    let saw_survivor = docs::scopes_of_customer(ctx.conn, &survivor)?;
    let back = move_rows(ctx, &survivor, &merged_id, Some(&moved))?;
    store::merges::undo(ctx.conn, merge_id, &merged_id, &ctx.at)?;
    ctx.audit("undo_merge", "customer", &merged_id, Some(&survivor), &merged_id)?;
    let restored = ctx.customer(&merged_id)?;
    let text = Text::new(
        &format!(
            "Merge undone: {} ({{0}}) restored as a customer of its own with {}",
            restored.number,
            counts(&back)
        ),
        vec![TextArg::quote(&restored.display_name)],
    );
    ctx.timeline(&survivor, TimelineKind::Unmerged, &text, None, None)?;
    ctx.timeline(&merged_id, TimelineKind::Unmerged, &text, None, None)?;
    tracing::info!(merge = %merge_id, survivor = %survivor_doc.id, restored = %merged_id, "merge undone");
    publish(ctx, &back, &[(&merged_id, &[]), (&survivor, &saw_survivor)])
}

/// Feeds the moved jobs and both customers to every scope, removing what a scope lost.
fn publish(ctx: &mut Ctx<'_>, moved: &Moved, customers: &[(&str, &[docs::Scope])]) -> Result<(), ServerError> {
    for job in moved.get("jobs").into_iter().flatten() {
        ctx.publish_job(job, None)?;
    }
    for (id, before) in customers {
        ctx.publish_customer(id, before)?;
    }
    Ok(())
}
