//! `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1, written by
//! hand. Limits and codes come from the shared crate's constants, so they
//! cannot drift from what the server enforces; the schemas mirror the serde
//! shapes of `complaints_domain::sync` (keep them in step when those change).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use complaints_domain::model::{
    CHUNK_BYTES, MAX_CAPTION_CHARS, MAX_PHOTOS, MAX_PHOTO_BYTES, MAX_PHOTO_EDGE, MAX_POINTS,
    MAX_SIGNED_TEXT_CHARS, MAX_STROKES, MAX_THUMB_CHARS, PAD_UNITS, PHOTO_TYPES,
};
use complaints_domain::sync::{
    RejectCode, MAX_BASE_IDS, MAX_CLOCK_AHEAD_MS, MAX_DEVICE_LEN, MAX_KEY_LEN, MAX_OP_BYTES,
    MAX_OP_ID_LEN, MAX_PULL_LIMIT, MAX_PUSH_OPS, MAX_RECORD_ID_LEN, MAX_SET_KEYS, MAX_STRING_CHARS,
    MAX_USER_LEN, MAX_VALUE_DEPTH,
};
use serde_json::{json, Value};

use crate::auth::LOGIN_BODY_LIMIT;
use crate::photos::MAX_OPEN_UPLOADS;
use crate::sync::{DEFAULT_PULL_LIMIT, MAX_PULL_BYTES, PUSH_BODY_LIMIT};

/// The `401`s of a route that takes a bearer token.
const UNAUTHORIZED_DOC: &str = "`unauthenticated`: no token, not `Bearer <token>`, or a token \
    this server never issued; `token_expired`; `token_revoked`: signed out or user disabled; `device_revoked`: an administrator \
    revoked the token's device (the app removes its data).";

fn role_codes() -> Vec<&'static str> {
    complaints_domain::access::Role::ALL
        .iter()
        .map(|role| role.as_str())
        .collect()
}

/// Every [`RejectCode`]. The `match` below stops compiling when a code is
/// added, so the document cannot miss one.
const REJECT_CODES: [RejectCode; 7] = [
    RejectCode::ClockAhead,
    RejectCode::UnknownField,
    RejectCode::InvalidValue,
    RejectCode::UnknownRecord,
    RejectCode::IncompleteRecord,
    RejectCode::Malformed,
    RejectCode::Forbidden,
];

fn reject_code_doc(code: RejectCode) -> &'static str {
    match code {
        RejectCode::ClockAhead => "the op's HLC is too far ahead of the server's clock",
        RejectCode::UnknownField => "sets a field complaints do not have",
        RejectCode::InvalidValue => "a value the field does not accept",
        RejectCode::UnknownRecord => {
            "changes a complaint the server never saw created, or one outside the user's \
            branches (the same answer, so a push never reveals another branch's complaint)"
        }
        RejectCode::IncompleteRecord => "creates a complaint without a required field",
        RejectCode::Malformed => {
            "not an operation, no fields, ids missing, or `dev` is not the pushing device"
        }
        RejectCode::Forbidden => {
            "files a complaint under, or moves one to, a branch the user's role does not allow \
            (field `branch_code`); or changes a PDCA row as staff (field `pdca`); or writes a \
            standard answer outside the user's audience: staff write none, a branch manager their \
            branch's, a regional manager their region's and its branches' (field `answers`)"
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub(crate) async fn openapi_json() -> Response {
    let mut response = Json(document()).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The document itself.
pub(crate) fn document() -> Value {
    let mut doc = base_document();
    for more in [photo_paths(), admin_paths()] {
        if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), more) {
            paths.extend(more);
        }
    }
    if let (Some(schemas), Value::Object(more)) = (
        doc["components"]["schemas"].as_object_mut(),
        photo_schemas(),
    ) {
        schemas.extend(more);
    }
    doc
}

/// The admin page's endpoints (module `admin`): administrators everything,
/// branch managers the users of their branch, regional managers read only.
fn admin_paths() -> Value {
    let forbidden = error_response(
        "`forbidden`: the caller's role may not do this (staff: nothing; regional managers: \
        read only; branch managers: only staff and branch managers of their own branch).",
    );
    let not_found = error_response(
        "`not_found`: no such user (or device), or one outside the caller's reach: the same answer.",
    );
    let bad = error_response(
        "`bad_request`: a refused value; the message starts with the field's name in backticks.",
    );
    let unauthorized = error_response(UNAUTHORIZED_DOC);
    let op = |summary: &str, id: &str, body: Option<Value>, ok: &str| {
        let mut op = json!({
            "summary": summary,
            "operationId": id,
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": ok},
                "400": bad.clone(),
                "401": unauthorized.clone(),
                "403": forbidden.clone(),
                "404": not_found.clone()
            }
        });
        if let Some(schema) = body {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        op
    };
    let text = json!({"type": "string"});
    let code = json!({"type": ["string", "null"]});
    let roles = json!({"type": "string", "enum": role_codes()});
    json!({
        "/api/v1/admin/users": {
            "get": op("The users in the caller's reach, with their devices", "adminUsers", None,
                "`{users: [{username, display_name, role, branch_code, region_code, disabled, \
                created_at, devices: [{device, signed_in_at, last_contact, revoked}]}], server_time}`"),
            "post": op("Adds a user; the new password is answered once", "adminAddUser",
                Some(json!({"type": "object", "required": ["username", "display_name", "role"],
                    "properties": {"username": text, "display_name": text, "role": roles,
                        "branch_code": code, "region_code": code}})),
                "`{user, password, server_time}`")
        },
        "/api/v1/admin/users/{username}": {
            "patch": op("Changes a user; disabling, or a new role or branch, revokes their tokens",
                "adminEditUser",
                Some(json!({"type": "object", "properties": {"display_name": text, "role": roles,
                    "branch_code": code, "region_code": code, "disabled": {"type": "boolean"}}})),
                "`{user, server_time}`")
        },
        "/api/v1/admin/users/{username}/password": {
            "post": op("A new password for the user (answered once); their tokens are revoked",
                "adminNewPassword", None, "`{password, server_time}`")
        },
        "/api/v1/admin/network": {
            "get": op("The regions and branches in the caller's reach", "adminNetwork", None,
                "`{regions: [{code, name}], branches: [{code, name, region_code}], server_time}`")
        },
        "/api/v1/admin/regions": {
            "post": op("Adds a region (administrators)", "adminAddRegion",
                Some(json!({"type": "object", "required": ["code", "name"],
                    "properties": {"code": text, "name": text}})), "`{done, server_time}`")
        },
        "/api/v1/admin/branches": {
            "post": op("Adds a branch of a region (administrators)", "adminAddBranch",
                Some(json!({"type": "object", "required": ["code", "name", "region_code"],
                    "properties": {"code": text, "name": text, "region_code": text}})),
                "`{done, server_time}`")
        },
        "/api/v1/admin/devices/{device}/revoke": {
            "post": op("Revokes every token of a device and marks it revoked: its next request \
                is answered `401 device_revoked`", "adminRevokeDevice", None, "`{done, server_time}`")
        }
    })
}

/// The photo endpoints (module `photos`).
fn photo_paths() -> Value {
    let sha = json!({"name": "sha256", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "description": "The SHA-256 of the whole photo file, lower-case hex."});
    let state = json!({"description": "How much of the file the server holds.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UploadState"}}}});
    json!({
        "/api/v1/photos/uploads/{sha256}": {
            "get": {
                "summary": "How much of a photo file the server has",
                "description": "`have`: the bytes received from this user so far (send from there);                     `done`: the whole file is stored (by anyone) and nothing needs sending.",
                "operationId": "uploadState",
                "security": [{"bearer": []}],
                "parameters": [sha],
                "responses": {
                    "200": state,
                    "400": error_response("`bad_request`: the name is not a SHA-256."),
                    "401": error_response(UNAUTHORIZED_DOC)
                }
            },
            "put": {
                "summary": "Send one chunk of a photo file",
                "description": format!("The body is bytes `offset`… of a file of `size` bytes, at most                     {CHUNK_BYTES} bytes per chunk, `size` at most {MAX_PHOTO_BYTES}. With the last byte the                     server checks the file's SHA-256 against its name and stores it content-addressed; a                     file already stored answers `done` at once (a duplicate is ignored). At most                     {MAX_OPEN_UPLOADS} unfinished uploads per user."),
                "operationId": "uploadChunk",
                "security": [{"bearer": []}],
                "parameters": [sha,
                    {"name": "offset", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
                    {"name": "size", "in": "query", "required": true,
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PHOTO_BYTES}}],
                "requestBody": {"required": true, "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary", "maxLength": CHUNK_BYTES}}}},
                "responses": {
                    "200": state,
                    "400": error_response("`bad_request`: not a SHA-256, `offset`/`size` missing or not                         whole numbers, an empty chunk, or a chunk running past `size`."),
                    "401": error_response(UNAUTHORIZED_DOC),
                    "409": error_response("`upload_offset`: `offset` is not what the server has; ask                         `GET` and send from `have`."),
                    "413": error_response("`payload_too_large`: a chunk over the chunk size, or a `size`                         of 0 or over the photo limit."),
                    "422": error_response("`hash_mismatch`: the whole file's SHA-256 differs from its name;                         the partial file is dropped, start again."),
                    "429": error_response("`too_many_uploads`: too many unfinished uploads for this user."),
                    "507": error_response("`storage_full`: the server's disk is full; retry later.")
                }
            }
        },
        "/api/v1/records/{record}/photos/{photo}": {
            "get": {
                "summary": "A photo's image",
                "description": "For a user who may see the complaint. A complaint of another branch, a                     photo that does not exist or was deleted: the same `404 not_found`.",
                "operationId": "photo",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "record", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "photo", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The image (`image/jpeg` or `image/webp`), `Cache-Control: private, no-store`.",
                        "content": {"image/jpeg": {}, "image/webp": {}}},
                    "401": error_response(UNAUTHORIZED_DOC),
                    "404": error_response("`not_found`: no such photo for this user; `not_uploaded`: the                         photo exists but its file has not reached the server yet.")
                }
            }
        }
    })
}

fn photo_schemas() -> Value {
    json!({
        "UploadState": {
            "type": "object",
            "required": ["have", "done"],
            "properties": {
                "have": {"type": "integer", "minimum": 0},
                "done": {"type": "boolean"}
            }
        },
        "Photo": {
            "type": "object",
            "description": format!("The value of a complaint's `ph.<id>` field. Only `caption` (at most                 {MAX_CAPTION_CHARS} characters) changes later, or `deleted` is set, for good. At most                 {MAX_PHOTOS} photos per complaint that are not deleted."),
            "required": ["id", "sha256", "bytes", "mime", "width", "height", "thumb", "by", "dev", "at"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "bytes": {"type": "integer", "minimum": 1, "maximum": MAX_PHOTO_BYTES},
                "mime": {"enum": PHOTO_TYPES},
                "width": {"type": "integer", "minimum": 1, "maximum": MAX_PHOTO_EDGE},
                "height": {"type": "integer", "minimum": 1, "maximum": MAX_PHOTO_EDGE},
                "thumb": {"type": "string", "maxLength": MAX_THUMB_CHARS,
                          "pattern": "^data:image/(jpeg|webp);base64,[A-Za-z0-9+/=]+$"},
                "caption": {"type": "string"},
                "by": {"type": "string", "description": "The signed-in user's display name."},
                "dev": {"type": "string", "description": "The pushing device."},
                "at": {"type": "string", "format": "date-time"},
                "deleted": {"type": ["object", "null"], "required": ["by", "at"],
                            "properties": {"by": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}}
            }
        },
        "Signature": {
            "type": "object",
            "description": format!("The value of `sig.<id>`, set once: the newest supersedes older ones.                 Strokes are `x,y,p` points (0–{PAD_UNITS}, pressure 0–100), at most {MAX_STROKES} strokes                 and {MAX_POINTS} points; `text` (what was signed) at most {MAX_SIGNED_TEXT_CHARS} characters."),
            "required": ["id", "strokes", "aspect", "text", "signer", "by", "dev", "at"],
            "additionalProperties": false
        },
        "Position": {
            "type": "object",
            "description": "The value of `loc.<id>`, set once, taken when the user asked.",
            "required": ["id", "lat", "lon", "accuracy_m", "at", "by", "dev"],
            "additionalProperties": false,
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "accuracy_m": {"type": "number", "minimum": 0, "maximum": 1000000}
            }
        }
    })
}

fn base_document() -> Value {
    let codes: Vec<Value> = REJECT_CODES
        .iter()
        .map(|code| serde_json::to_value(code).unwrap_or_default())
        .collect();
    let codes_doc: Vec<String> = REJECT_CODES
        .iter()
        .zip(&codes)
        .map(|(code, name)| {
            format!(
                "`{}`: {}",
                name.as_str().unwrap_or_default(),
                reject_code_doc(*code)
            )
        })
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Complaints server API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Health check and the offline-first sync protocol v1. Every answer \
                carries `server_time` (RFC 3339, UTC). Errors have one shape: \
                `{\"error\": {\"code\", \"message\"}, \"server_time\"}`; bad input is never a 5xx."
        },
        "paths": {
            "/api/health": {
                "get": {
                    "summary": "Liveness and database check",
                    "operationId": "health",
                    "responses": {
                        "200": {
                            "description": "The server and its database are up.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                        },
                        "503": error_response("`db_unavailable`: the database cannot be reached.")
                    }
                }
            },
            "/api/ready": {
                "get": {
                    "summary": "Readiness: the database answers and its schema is current",
                    "description": "For a load balancer's check: `200` with `status: ready` when \
                        the newest migration applied is the newest this version ships; `503` \
                        with `status: migrations_differ` (and both versions) when not, e.g. an \
                        older instance during a rolling update, or `db_unavailable`.",
                    "operationId": "ready",
                    "responses": {
                        "200": {"description": "Ready: `{status, database, migration, migrations_shipped, server_time}`."},
                        "503": {"description": "Not ready: `migrations_differ`, or the error `db_unavailable`."}
                    }
                }
            },
            "/api/v1/sync/push": {
                "post": {
                    "summary": "Push a batch of operations",
                    "description": format!(
                        "Applies the operations in order, in one transaction. Each gets its own \
                        result: `accepted` (applied now, or before: a retried op is acknowledged \
                        again and applied once) or `rejected` with a reason; a rejected op does \
                        not affect the others. At most {MAX_PUSH_OPS} ops and {PUSH_BODY_LIMIT} \
                        bytes per request, counted decompressed: the body may be sent gzipped \
                        (`Content-Encoding: gzip`)."
                    ),
                    "operationId": "syncPush",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}}
                    },
                    "responses": {
                        "200": {
                            "description": "One result per operation, in the order sent.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushResponse"}}}
                        },
                        "400": error_response("`invalid_json`: the body is not JSON or not a push request."),
                        "401": error_response(UNAUTHORIZED_DOC),
                        "403": error_response("`wrong_device`: the push's `device` is not the device the token was issued to."),
                        "413": error_response(&format!(
                            "`too_many_ops`: more than {MAX_PUSH_OPS} operations (split the batch); \
                            `payload_too_large`: the body exceeds {PUSH_BODY_LIMIT} bytes."
                        )),
                        "415": error_response("`unsupported_media_type`: the body is not sent as `application/json`."),
                        "500": error_response("`internal`: the server failed; retry later (ops are idempotent)."),
                        "503": error_response("`db_unavailable`: the database is busy or down; retry later.")
                    }
                }
            },
            "/api/v1/sync/pull": {
                "get": {
                    "summary": "Pull the operations after a cursor",
                    "description": format!("Operations in commit order, of the complaints in the \
                        signed-in user's branches only: a complaint that moved into them comes \
                        whole, one that moved out is listed in `removed` (delete it). Pull \
                        again with the returned cursor while `more` is true. The cursor never \
                        skips an operation committed later. A page holds at most `limit` \
                        operations and stops once it holds {MAX_PULL_BYTES} bytes of them."),
                    "operationId": "syncPull",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "required": false,
                            "description": "The cursor of the previous pull (decimal text); \
                                missing or empty: from the beginning.",
                            "schema": {"type": "string", "pattern": "^[0-9]*$"}
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": false,
                            "description": format!("Page size; larger values are clamped to {MAX_PULL_LIMIT}."),
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PULL_LIMIT, "default": DEFAULT_PULL_LIMIT}
                        },
                        {
                            "name": "device",
                            "in": "query",
                            "required": false,
                            "description": "The pulling device, which must be the token's \
                                (`403 wrong_device`): its own operations are left out (the cursor \
                                still moves past them).",
                            "schema": {"type": "string"}
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of operations.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PullResponse"}}}
                        },
                        "400": error_response("`bad_cursor`: `after` is not a cursor; `bad_request`: \
                            `limit` is not a whole number or the query string does not parse."),
                        "401": error_response(UNAUTHORIZED_DOC),
                        "403": error_response("`wrong_device`: `device` is not the device this sign-in belongs to."),
                        "500": error_response("`internal`: the server failed; retry later."),
                        "503": error_response("`db_unavailable`: the database is busy or down; retry later.")
                    }
                }
            },
            "/api/v1/config": {
                "get": {
                    "summary": "What devices need to evaluate the risk rules offline",
                    "description": "Model launch dates and marketing events (`risk`), from the \
                        server's `risk-config.json`.",
                    "operationId": "config",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {"description": "`{\"risk\": {\"launches\", \"events\"}, \"server_time\"}`.", "content": {"application/json": {}}},
                        "401": error_response(UNAUTHORIZED_DOC)
                    }
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {}}}}
                }
            },
            "/api/v1/auth/login": {
                "post": {
                    "summary": "Sign in: exchange a username and password for a bearer token",
                    "operationId": "login",
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LoginRequest"}}}
                    },
                    "responses": {
                        "200": {
                            "description": "Signed in. The token is shown only here; the server keeps its SHA-256.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LoginResponse"}}}
                        },
                        "400": error_response("`invalid_json`: not a login body; `bad_request`: empty or overlong \
                            `device`, or a missing, short or overlong `device_key`."),
                        "409": error_response("`device_taken`: this device id is bound to another device's key."),
                        "401": error_response("`bad_credentials`: wrong username or password (one answer for both)."),
                        "413": error_response(&format!("`payload_too_large`: body over {LOGIN_BODY_LIMIT} bytes.")),
                        "415": error_response("`unsupported_media_type`: send `Content-Type: application/json`."),
                        "429": error_response("`rate_limited`: after 5 failed logins for this username from this \
                            address, each attempt waits 1 s, 2 s, 4 s … up to 15 minutes since the last failure \
                            (an address or a username past 100 failures waits at most 60 s); see the \
                            `Retry-After` header (seconds)."),
                        "503": error_response("`busy`: every password check slot is taken; retry after \
                            `Retry-After` (1 s). `db_unavailable`: the database is busy or down.")
                    }
                }
            },
            "/api/v1/auth/logout": {
                "post": {
                    "summary": "Sign out: revoke the presented token",
                    "operationId": "logout",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "The token is revoked.",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["signed_out", "server_time"],
                                "properties": {
                                    "signed_out": {"const": true},
                                    "server_time": {"$ref": "#/components/schemas/ServerTime"}
                                }
                            }}}
                        },
                        "401": error_response(UNAUTHORIZED_DOC)
                    }
                }
            },
            "/api/v1/auth/me": {
                "get": {
                    "summary": "The signed-in user and the branches they may see",
                    "operationId": "me",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "The token's user, scope, device and expiry.",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["user", "scope", "device", "expires_at", "server_time"],
                                "properties": {
                                    "user": {"$ref": "#/components/schemas/User"},
                                    "scope": {"$ref": "#/components/schemas/Scope"},
                                    "device": {"type": "string"},
                                    "expires_at": {"type": "string", "format": "date-time"},
                                    "server_time": {"$ref": "#/components/schemas/ServerTime"}
                                }
                            }}}
                        },
                        "401": error_response(UNAUTHORIZED_DOC)
                    }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "The token from `POST /api/v1/auth/login`."}
            },
            "schemas": {
                "Hlc": {
                    "type": "string",
                    "pattern": "^[0-9]+-[0-9]+$",
                    "description": format!(
                        "Hybrid logical clock stamp `<wall_ms>-<counter>`. At most {MAX_CLOCK_AHEAD_MS} ms \
                        ahead of the server's clock, or the op is rejected with `clock_ahead`."
                    ),
                    "examples": ["1767254400000-0"]
                },
                "Op": {
                    "type": "object",
                    "description": format!("One device's change to one complaint: the new value of each \
                        changed field. At most {MAX_OP_BYTES} bytes as JSON; an op past any bound is \
                        `rejected` on its own (`malformed`, or `invalid_value` naming the field)."),
                    "required": ["id", "rec", "hlc", "dev", "set"],
                    "properties": {
                        "id": {"type": "string", "minLength": 1, "maxLength": MAX_OP_ID_LEN,
                               "pattern": "^[A-Za-z0-9._:-]+$",
                               "description": "Unique id of the operation (the app's are 16 characters)."},
                        "rec": {"type": "string", "minLength": 1, "maxLength": MAX_RECORD_ID_LEN,
                                "pattern": "^[A-Za-z0-9._:-]+$",
                                "description": "The record's id: a complaint's UUID, or \
                            `pdca:<branch>:<kpi>:<YYYY-MM>` for a row of the PDCA table (fields `branch_code`, \
                            `kpi`, `month` fixed by the id; `target` 0–100 or null; `analysis`, `measures`, \
                            `owner` text; `due` YYYY-MM-DD or null; `created_at`); or \
                            `ans:all:<key>`, `ans:region:<code>:<key>`, `ans:branch:<code>:<key>` for a \
                            standard answer, read by everyone, a region's or a branch's users (fields \
                            `title` 1–120 and `answer` 1–4000 characters; `keywords` ≤ 20 × 40, `steps` \
                            ≤ 15 × 300, `models` ≤ 20 × 60 lists of text; `category` a category code or \
                            null; `author`, `editor` names; `updated_at` date-time; `version` ≥ 1; \
                            `created_at`; key: letters, digits, `-`, `_`, ≤ 40)."},
                        "hlc": {"$ref": "#/components/schemas/Hlc"},
                        "dev": {"type": "string", "minLength": 1, "maxLength": MAX_DEVICE_LEN,
                                "description": "The device that made it; must equal the push's `device`. \
                                    No control characters."},
                        "user": {"type": "string", "maxLength": MAX_USER_LEN, "description": "Who made it: set by the server from \
                            the pushing token (whatever was sent); omitted in ops from before sign-in."},
                        "received": {"type": "string", "format": "date-time", "description": "When the server \
                            accepted it: set by the server (whatever was sent). A timeline entry (`tl.<id>`) or \
                            a tick (`step.<n>`) is accepted only in the signed-in user's name (`by`: their \
                            display name) on the pushing device (`dev`), dated (`at`, `recorded`) no later \
                            than the server's clock plus the stamp margin and, for an entry, not before the \
                            complaint's `received_at`."},
                        "set": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": MAX_SET_KEYS,
                            "propertyNames": {"maxLength": MAX_KEY_LEN},
                            "description": format!("Field key → new value, as in a complaint's JSON. A creation \
                                sets `created_at` and every required field. A value nests at most \
                                {MAX_VALUE_DEPTH} levels deep and holds no text over {MAX_STRING_CHARS} \
                                characters; a timeline entry (`tl.<id>`) or a tick (`step.<n>`) with a \
                                field it does not have is refused; `created_on_device` is at most \
                                {MAX_DEVICE_LEN} bytes."),
                            "additionalProperties": true
                        },
                        "base": {
                            "type": "object",
                            "description": "Field key (one the op sets) → ids of the versions the device \
                                had seen (omitted when empty).",
                            "additionalProperties": {"type": "array", "maxItems": MAX_BASE_IDS,
                                "items": {"type": "string", "maxLength": MAX_OP_ID_LEN}}
                        }
                    }
                },
                "PushRequest": {
                    "type": "object",
                    "required": ["device", "ops"],
                    "properties": {
                        "device": {"type": "string"},
                        "ops": {"type": "array", "maxItems": MAX_PUSH_OPS, "items": {"$ref": "#/components/schemas/Op"}}
                    }
                },
                "PushResponse": {
                    "type": "object",
                    "required": ["results", "server_time"],
                    "properties": {
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/OpResult"}},
                        "server_time": {"$ref": "#/components/schemas/ServerTime"}
                    }
                },
                "OpResult": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {
                        "id": {"type": "string", "description": "The op's id (empty if the op had none)."},
                        "status": {"type": "string", "enum": ["accepted", "rejected"]},
                        "reason": {"$ref": "#/components/schemas/Rejection"}
                    },
                    "description": "`reason` is present exactly when `status` is `rejected`."
                },
                "Rejection": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {"$ref": "#/components/schemas/RejectCode"},
                        "field": {"type": "string", "description": "The field concerned, when there is one."},
                        "detail": {"type": "string", "description": "Detail for developers (English)."}
                    }
                },
                "RejectCode": {
                    "type": "string",
                    "enum": codes,
                    "description": codes_doc.join("; ")
                },
                "PullResponse": {
                    "type": "object",
                    "required": ["ops", "cursor", "more", "remaining", "server_time"],
                    "properties": {
                        "ops": {"type": "array", "items": {"$ref": "#/components/schemas/Op"}},
                        "cursor": {"type": "string", "pattern": "^[0-9]+$", "description": "Pass as `after` next time."},
                        "more": {"type": "boolean", "description": "Whether operations are waiting after this page."},
                        "remaining": {"type": "integer", "minimum": 0, "description": "How many (for progress)."},
                        "removed": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Complaints to delete from the device: they moved to a branch \
                                outside the user's scope (omitted when empty)."
                        },
                        "withdrawn": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["op", "rec", "dev", "reason"],
                                "properties": {
                                    "op": {"type": "string"}, "rec": {"type": "string"},
                                    "dev": {"type": "string"}, "reason": {"type": "string"}
                                }
                            },
                            "description": "Operations the server accepted once and set aside since \
                                (an older version stored them unreadable): take them out of the \
                                record; the device that made one shows it as refused (omitted when empty)."
                        },
                        "server_time": {"$ref": "#/components/schemas/ServerTime"}
                    }
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "db", "server_time"],
                    "properties": {
                        "status": {"const": "ok"},
                        "version": {"type": "string"},
                        "db": {"const": "ok"},
                        "server_time": {"$ref": "#/components/schemas/ServerTime"}
                    }
                },
                "LoginRequest": {
                    "type": "object",
                    "required": ["username", "password", "device", "device_key"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "device": {"type": "string", "minLength": 1, "maxLength": 200,
                                   "description": "The app's device id, recorded with the token."},
                        "device_key": {"type": "string", "minLength": 16, "maxLength": 200,
                                   "description": "The device's secret key, made on the device and sent \
                                       nowhere else. The first sign-in with a device id binds the key to \
                                       it; later sign-ins with that id must present the same key \
                                       (`409 device_taken`). An id known only from sign-ins before keys \
                                       existed is bound by the first keyed sign-in of a user who used it."}
                    }
                },
                "LoginResponse": {
                    "type": "object",
                    "required": ["token", "expires_at", "user", "scope", "server_time"],
                    "properties": {
                        "token": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                                  "description": "32 random bytes, base64url: send as `Authorization: Bearer <token>`."},
                        "expires_at": {"type": "string", "format": "date-time",
                                       "description": "After this the token is refused (`token_expired`): sign in again."},
                        "user": {"$ref": "#/components/schemas/User"},
                        "scope": {"$ref": "#/components/schemas/Scope"},
                        "server_time": {"$ref": "#/components/schemas/ServerTime"}
                    }
                },
                "User": {
                    "type": "object",
                    "required": ["username", "display_name", "role", "branch_code", "region_code"],
                    "properties": {
                        "username": {"type": "string"},
                        "display_name": {"type": "string"},
                        "role": {"type": "string", "enum": role_codes()},
                        "branch_code": {"type": ["string", "null"]},
                        "region_code": {"type": ["string", "null"]}
                    }
                },
                "Scope": {
                    "description": "The branches the user may see: all (administrators) or a list of branch codes.",
                    "oneOf": [
                        {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "all"}}},
                        {
                            "type": "object",
                            "required": ["kind", "branches"],
                            "properties": {
                                "kind": {"const": "branches"},
                                "branches": {"type": "array", "items": {"type": "string"}}
                            }
                        }
                    ]
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "server_time"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {
                                    "type": "string",
                                    "enum": [
                                        "not_found", "method_not_allowed", "bad_request", "invalid_json",
                                        "unsupported_media_type", "payload_too_large", "too_many_ops",
                                        "bad_cursor", "unauthenticated", "token_expired", "token_revoked", "device_revoked", "forbidden",
                                        "bad_credentials", "device_taken", "rate_limited", "busy", "db_unavailable", "internal"
                                    ]
                                },
                                "message": {"type": "string"}
                            }
                        },
                        "server_time": {"$ref": "#/components/schemas/ServerTime"}
                    }
                },
                "ServerTime": {
                    "type": "string",
                    "format": "date-time",
                    "description": "The server's clock, RFC 3339 UTC."
                }
            }
        }
    })
}
