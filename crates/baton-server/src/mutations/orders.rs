//! Orders and subscriptions, recorded from the retailer's systems.

use baton_proto::{OrderKind, OrderLine, OrderStatus, Text, TextArg, TimelineKind};

use super::Ctx;
use crate::error::ServerError;
use crate::store;

fn next_number(ctx: &Ctx<'_>) -> Result<String, ServerError> {
    loop {
        let n = store::meta::next_counter(ctx.conn, "next_order_number", 90_000_001)?;
        let number = format!("O-{n}");
        if !store::orders::number_taken(ctx.conn, &number)? {
            return Ok(number);
        }
    }
}

pub fn create(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    order_id: &str,
    number: Option<&str>,
    kind: OrderKind,
    lines: &[OrderLine],
) -> Result<(), ServerError> {
    ctx.require_internal("record an order")?;
    baton_proto::validate::id("order_id", order_id)?;
    baton_proto::validate::order_lines(lines)?;
    ctx.customer(customer_id)?;
    ctx.require_new("orders", order_id)?;
    let number = match number {
        Some(n) => {
            baton_proto::validate::reference("number", n)?;
            if store::orders::number_taken(ctx.conn, n)? {
                return Err(ServerError::Api(
                    baton_proto::ErrorCode::Conflict,
                    format!("the order number '{n}' is already in use"),
                ));
            }
            n.to_string()
        }
        None => next_number(ctx)?,
    };
    let status = match kind {
        OrderKind::Order => OrderStatus::Placed,
        OrderKind::Subscription => OrderStatus::Active,
    };
    store::orders::insert(
        ctx.conn,
        &store::orders::NewOrderRow {
            id: order_id,
            customer_id,
            number: &number,
            kind,
            status,
            placed_at: &ctx.at,
            lines,
        },
    )?;
    ctx.audit("create_order", "order", order_id, None, &number)?;
    let products = lines
        .iter()
        .map(|l| format!("{} × {}", l.quantity, l.name))
        .collect::<Vec<_>>()
        .join(", ");
    ctx.timeline(
        customer_id,
        TimelineKind::Order,
        &Text::new(
            "Order {0}: {1}",
            vec![TextArg::quote(&number), TextArg::quote(&products)],
        ),
        None,
        None,
    )?;
    ctx.publish_customer(customer_id, &[])
}

pub fn update(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    order_id: &str,
    status: OrderStatus,
    lines: Option<&[OrderLine]>,
) -> Result<(), ServerError> {
    ctx.require_internal("change an order")?;
    if let Some(l) = lines {
        baton_proto::validate::order_lines(l)?;
    }
    let customer = ctx.customer(customer_id)?;
    let order = customer
        .orders
        .iter()
        .find(|o| o.id == order_id)
        .ok_or_else(|| ServerError::not_found("order"))?;
    if order.status == status && lines.is_none_or(|l| l == order.lines.as_slice()) {
        return Ok(());
    }
    store::orders::update(ctx.conn, order_id, status, lines)?;
    let name = crate::wire::name(&status);
    ctx.audit(
        "update_order",
        "order",
        order_id,
        Some(&crate::wire::name(&order.status)),
        &name,
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::Order,
        &Text::new(&format!("Order {{0}}: {}", name), vec![TextArg::quote(&order.number)]),
        None,
        None,
    )?;
    ctx.publish_customer(customer_id, &[])
}
