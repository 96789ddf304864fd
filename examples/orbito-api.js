// One call to the Orbito API, answered as a plain object whatever happened, so that callers
// never parse an error themselves:
//
//   { ok, status, data, error: { code, message, details } | null,
//     requestId, etag, retryAfter, rateLimit: { limit, remaining, reset } }
//
// A 304 (the answer to a request that sent If-None-Match with a current tag) is ok, with
// data null: the caller keeps what it had.
//
// Every error the API gives has the same envelope, {"error": {"code", "message", "details"}};
// a network failure is reported here with the code NETWORK_ERROR and status 0.

export async function callOrbito(api, path, { method = "GET", key, body, query, headers: extra } = {}) {
  const url = new URL(api + path);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  const headers = { ...extra };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";

  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The caller keeps answers by their tags; the browser's cache would answer for it.
      cache: "no-store",
    });
  } catch (failure) {
    return answer(0, null, { code: "NETWORK_ERROR", message: String(failure), details: {} });
  }

  if (response.status === 304) return answer(304, null, null, response.headers);
  const payload = await response.json().catch(() => null);
  const error = response.ok
    ? null
    : (payload?.error ?? { code: "UNEXPECTED_RESPONSE", message: `HTTP ${response.status}`, details: {} });
  return answer(response.status, response.ok ? payload : null, error, response.headers);
}

function answer(status, data, error, headers = new Headers()) {
  // The API exposes these headers to scripts on other origins (Access-Control-Expose-Headers).
  const number = (name) => (headers.has(name) ? Number(headers.get(name)) : null);
  return {
    ok: error === null,
    status,
    data,
    error,
    requestId: headers.get("X-Request-ID"),
    etag: headers.get("ETag"),
    retryAfter: number("Retry-After"), // seconds to wait after a 429
    rateLimit: {
      limit: number("X-RateLimit-Limit"),
      remaining: number("X-RateLimit-Remaining"),
      reset: number("X-RateLimit-Reset"), // Unix seconds
    },
  };
}
