//! The queue's part of `/api/v1/openapi.json`: its operations and schemas, and the page
//! paths of [`crate::pages`] (HTML). Merged by [`crate::openapi`].

use serde_json::{Value, json};

use crate::openapi::{body, error, object, ok, schema, string};

fn nullable(t: &str, description: &str) -> Value {
    json!({ "type": [t, "null"], "description": description })
}

fn int(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// The schemas of the queue's bodies.
pub fn schemas() -> Value {
    let status = json!({ "type": "string", "enum": ["waiting", "called", "serving", "postponed", "done", "absent", "cancelled"] });
    let nstatus = json!({ "type": ["string", "null"], "enum": ["waiting", "called", "serving", "postponed", "done", "absent", "cancelled", null] });
    json!({
        "QueueDeskMonitor": object(&[
            ("desk", int("Desk number.")),
            ("ticket", nullable("string", "The ticket at the desk («С-014»).")),
            ("status", nstatus),
            ("operator", nullable("string", "The name of the operator signed in.")),
        ]),
        "QueueOffice": object(&[
            ("office", object(&[("id", string("Office id.")), ("name_uk", string("Name."))])),
            ("date", string("Today, local: YYYY-MM-DD.")),
            ("open", json!({ "type": "boolean", "description": "Kiosk tickets are issued now." })),
            ("services", array(object(&[
                ("code", string("Service code.")), ("name_uk", string("Name.")), ("prefix", string("Ticket prefix.")),
                ("waiting", int("Tickets waiting.")), ("bookable", json!({ "type": "boolean" })),
            ]))),
            ("desks", array(schema("QueueDeskMonitor"))),
        ]),
        "QueueTicket": object(&[
            ("id", int("Ticket id (of the day).")),
            ("number", string("«С-014».")),
            ("service", string("Service code.")),
            ("service_name_uk", string("Service name.")),
            ("ahead", nullable("integer", "Waiting tickets of the service ahead (waiting tickets only).")),
            ("issued_at", int("ms since the Unix epoch.")),
            ("status", status.clone()),
            ("desk", nullable("integer", "The desk holding it.")),
            ("case_id", nullable("string", "The linked case.")),
        ]),
        "QueueHall": object(&[
            ("seq", int("The last event of the day.")),
            ("rows", array(object(&[
                ("number", string("Ticket.")), ("service", string("Service code.")), ("service_name_uk", string("Service name.")),
                ("status", status), ("desk", nullable("integer", "Desk.")),
                ("operator", nullable("string", "Operator.")), ("ahead", nullable("integer", "Ahead.")),
            ]))),
            ("desks", array(schema("QueueDeskMonitor"))),
        ]),
        "QueueCall": object(&[
            ("seq", int("The call's event; the SSE `id`.")),
            ("number", string("Ticket.")), ("desk", int("Desk.")),
            ("operator", nullable("string", "Operator.")),
            ("again", json!({ "type": "boolean", "description": "A postponed ticket called back." })),
            ("service_name_uk", string("Service name.")),
        ]),
        "QueueSlot": object(&[("start", int("ms.")), ("end", int("ms.")), ("free", int("Places left."))]),
        "QueueIssue": object(&[
            ("service", string("Service code.")),
            ("out_of_turn", json!({ "type": ["boolean", "null"], "description": "Staff only (bearer session and `position`)." })),
            ("position", nullable("string", "Staff: the acting position of the session.")),
            ("case_id", nullable("string", "Staff: the case of the visit.")),
        ]),
        "QueueBook": object(&[
            ("service", string("A bookable service.")), ("start", int("Slot start, ms.")),
            ("name", string("The visitor's name.")), ("contact", string("Phone number or e-mail address.")),
        ]),
        "QueueBooking": object(&[
            ("id", int("Booking id.")), ("service", string("Service.")), ("start", int("ms.")), ("end", int("ms.")),
            ("code", string("Six digits to show at the desk.")),
        ]),
        "QueueCancel": object(&[("contact", string("The contact the booking was made with."))]),
        "QueueStaff": object(&[
            ("position", string("The acting position (one of the session's).")),
            ("desk", nullable("integer", "Call: the desk (default: where the position is signed in); redirect: only this desk.")),
            ("name", nullable("string", "Sign-in: the name the monitor shows.")),
            ("service", nullable("string", "Redirect: the new service.")),
            ("case_id", nullable("string", "Link-case: the case.")),
        ]),
        "QueueConsole": json!({ "type": "object", "description": "`current`, `waiting`, `postponed`: rows of {ticket, number, service, created_at, case_id}." }),
        "QueueStatsRow": json!({ "type": "object", "description": "day, dimension (service|desk|operator), key, calls, no_shows, no_show_rate, waits, wait_avg_ms, wait_max_ms, served, service_avg_ms, service_max_ms." }),
        "CaseStatus": object(&[
            ("number", string("Case number.")), ("status", string("Status in Ukrainian.")),
            ("status_number", nullable("integer", "1-8.")), ("next_step", string("What happens next, in Ukrainian.")),
        ]),
    })
}

fn office_param() -> Value {
    json!({ "name": "office", "in": "path", "required": true, "schema": { "type": "string" }, "example": "demo" })
}

/// A path parameter; its `example` is a value the demo server answers.
fn param(name: &str, t: &str) -> Value {
    let example = match name {
        "desk" => json!(1),
        "id" => json!(0),
        "file" => json!("queue.css"),
        _ => json!("x"),
    };
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": t }, "example": example })
}

fn q(name: &str, required: bool, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": { "type": "string" }, "description": description })
}

/// One operation with the queue's usual refusals; `staff` adds the session's.
fn op(id: &str, summary: &str, staff: bool, params: Value, req: Option<&str>, mut responses: Value) -> Value {
    let r = responses.as_object_mut();
    if let Some(r) = r {
        r.insert("400".into(), error("Malformed path, query or body."));
        r.insert("404".into(), error("Unknown office, desk, ticket, service or booking."));
        r.insert("409".into(), error("The queue's state does not allow it (`illegal_transition`, `desk_busy`, `slot_full`, `already_booked`, …)."));
        r.insert(
            "422".into(),
            error("It does not fit the office (`outside_hours`, `no_operator`, `no_such_slot`, …)."),
        );
        r.insert("503".into(), error("The queue is not served here, or its storage failed."));
        if staff {
            r.insert("401".into(), error("No valid session."));
            r.insert(
                "403".into(),
                error("The position is not in the session, lacks the role, or is not the desk's operator."),
            );
        }
    }
    let mut o = json!({ "operationId": id, "summary": summary, "parameters": params, "responses": responses });
    if staff {
        o["security"] = json!([{ "bearer": [] }]);
    }
    if let Some(name) = req {
        o["requestBody"] = body(name);
    }
    o
}

/// The queue's paths.
pub fn paths() -> Value {
    let office = || json!([office_param()]);
    let desk = || json!([office_param(), param("desk", "integer")]);
    let booking = || json!([office_param(), param("id", "integer")]);
    let staff_post = |id: &str, summary: &str, answer: Value| {
        op(id, summary, true, desk(), Some("QueueStaff"), json!({ "200": answer }))
    };
    let sse = json!({ "description": "Server-Sent Events: `hall` (QueueHall) on connect and after each change; `call` (QueueCall, `id` = seq) per new call.", "content": { "text/event-stream": { "schema": { "type": "string" } } } });
    let live_params = json!([office_param(), { "name": "after", "in": "query", "required": false, "schema": { "type": "integer" }, "description": "Send calls after this seq (as `Last-Event-ID`)." }]);
    let ticket_params = json!([office_param(), param("id", "integer"), { "name": "action", "in": "path", "required": true, "schema": { "type": "string", "enum": ["call", "call-again", "start", "finish", "postpone", "absent", "redirect", "link-case"] }, "example": "call" }]);
    let range = json!([
        office_param(),
        q("from", false, "YYYY-MM-DD (default today)."),
        q("to", false, "YYYY-MM-DD (default today).")
    ]);
    let mut status_op = op(
        "caseStatus",
        "The status of a case by its number and the code printed on the application.",
        false,
        json!([q("number", true, "Case number."), q("code", true, "Eight-digit lookup code.")]),
        None,
        json!({ "200": ok("The status.", schema("CaseStatus")) }),
    );
    status_op["responses"]["404"] = error("No case with this number and code (the same answer for either).");
    status_op["responses"]["429"] = error("Too many lookups from this address; wait a minute.");
    json!({
        "/api/v1/queue/{office}": { "get": op("queueOffice", "The office, today and its services.", false, office(), None, json!({ "200": ok("The office.", schema("QueueOffice")) })) },
        "/api/v1/queue/{office}/tickets": { "post": op("queueIssue", "Take a ticket (kiosk); staff with a session may issue out of turn.", false, office(), Some("QueueIssue"),
            json!({ "201": ok("The ticket.", schema("QueueTicket")), "401": error("`out_of_turn`/`position` without a valid session."), "403": error("The position is not in the session.") })) },
        "/api/v1/queue/{office}/hall": { "get": op("queueHall", "The hall display.", false, office(), None, json!({ "200": ok("The hall.", schema("QueueHall")) })) },
        "/api/v1/queue/{office}/desks/{desk}": { "get": op("queueDesk", "A desk's monitor.", false, desk(), None, json!({ "200": ok("The monitor.", schema("QueueDeskMonitor")) })) },
        "/api/v1/queue/{office}/live": { "get": op("queueLive", "The hall display's live stream (SSE).", false, live_params, None, json!({ "200": sse })) },
        "/api/v1/queue/{office}/slots": { "get": op("queueSlots", "Booking slots of a service on a day.", false,
            json!([office_param(), q("service", true, "A bookable service."), q("date", false, "YYYY-MM-DD (default today).")]), None,
            json!({ "200": ok("The slots.", array(schema("QueueSlot"))) })) },
        "/api/v1/queue/{office}/bookings": { "post": op("queueBook", "Book a slot.", false, office(), Some("QueueBook"), json!({ "201": ok("Booked.", schema("QueueBooking")) })) },
        "/api/v1/queue/{office}/bookings/{id}/cancel": { "post": op("queueCancelBooking", "Cancel a booking (with the contact it was made with).", false, booking(), Some("QueueCancel"), json!({ "204": { "description": "Cancelled." } })) },
        "/api/v1/queue/{office}/bookings/{id}/check-in": { "post": op("queueCheckIn", "The booked visitor arrived: their ticket.", false, booking(), None, json!({ "201": ok("The ticket.", schema("QueueTicket")) })) },
        "/api/v1/queue/{office}/desks/{desk}/sign-in": { "post": staff_post("queueSignIn", "Sign a position in at a desk (`name` for the monitor).", ok("The monitor.", schema("QueueDeskMonitor"))) },
        "/api/v1/queue/{office}/desks/{desk}/sign-out": { "post": staff_post("queueSignOut", "Sign out of a desk.", ok("The monitor.", schema("QueueDeskMonitor"))) },
        "/api/v1/queue/{office}/desks/{desk}/call-next": { "post": staff_post("queueCallNext", "Call the desk's next ticket.", ok("The ticket, or null if nobody waits.", json!({ "oneOf": [schema("QueueTicket"), { "type": "null" }] }))) },
        "/api/v1/queue/{office}/desks/{desk}/console": { "get": op("queueConsole", "The operator's console.", true, desk(), None, json!({ "200": ok("The console.", schema("QueueConsole")) })) },
        "/api/v1/queue/{office}/tickets/{id}/{action}": { "post": op("queueTicketAction", "Act on a ticket.", true, ticket_params, Some("QueueStaff"), json!({ "200": ok("The ticket.", schema("QueueTicket")) })) },
        "/api/v1/queue/{office}/stats": { "get": op("queueStats", "Statistics of service.", true, range.clone(), None, json!({ "200": ok("Rows.", array(schema("QueueStatsRow"))) })) },
        "/api/v1/queue/{office}/stats.csv": { "get": op("queueStatsCsv", "Statistics of service as CSV.", true, range, None,
            json!({ "200": { "description": "CSV with a header.", "content": { "text/csv": { "schema": { "type": "string" } } } } })) },
        "/api/v1/queue/{office}/close": { "post": op("queueClose", "End the day (coordinator or administrator).", true, office(), Some("QueueStaff"), json!({ "200": ok("The hall after closing.", schema("QueueHall")) })) },
        "/api/v1/status": { "get": status_op },
    })
}

/// The page paths of [`crate::pages`].
pub fn page_paths() -> Value {
    let html = |id: &str, summary: &str, params: Value| {
        json!({ "get": {
            "operationId": id, "summary": summary, "parameters": params,
            "responses": { "200": { "description": "The page.", "content": { "text/html": { "schema": { "type": "string" } } } } },
        }})
    };
    json!({
        "/queue/{office}/kiosk": html("pageKiosk", "The kiosk page.", json!([office_param()])),
        "/queue/{office}/hall": html("pageHall", "The hall display page.", json!([office_param()])),
        "/queue/{office}/desk/{desk}": html("pageDesk", "The operator's desk page.", json!([office_param(), param("desk", "integer")])),
        "/queue/{office}/book": html("pageBook", "The pre-booking page.", json!([office_param()])),
        "/status": html("pageStatus", "The status lookup page.", json!([])),
        "/assets/web/{file}": { "get": {
            "operationId": "webAsset", "summary": "A static file of the pages (JS, CSS).",
            "parameters": [param("file", "string")],
            "responses": {
                "200": { "description": "The file.", "content": { "*/*": { "schema": { "type": "string" } } } },
                "404": error("No such file."),
            },
        }},
    })
}

/// Every queue path (the API and the pages).
pub fn all_paths() -> Value {
    let mut p = paths();
    if let (Some(a), Value::Object(b)) = (p.as_object_mut(), page_paths()) {
        a.extend(b);
    }
    p
}
