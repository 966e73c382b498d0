namespace Duragent.Gateway.Http.Problems;

/// <summary>
/// The stable, machine-readable codes of the gateway's problem+json errors. Each is the <c>code</c> member of the
/// body and the last part of its <c>type</c> (<c>urn:duragent:problem:&lt;code&gt;</c>). They never change meaning.
/// </summary>
public static class ProblemCodes
{
    /// <summary>The prefix of every problem <c>type</c>: <c>urn:duragent:problem:</c>.</summary>
    public const string TypePrefix = "urn:duragent:problem:";

    /// <summary>400: the body is not well-formed JSON.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>400: a field, query parameter or header is missing or invalid (the detail names it).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: a session id, agent name or other key breaks the key rules.</summary>
    public const string InvalidId = "invalid_id";

    /// <summary>401: a bearer token is required and missing or wrong.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: no token is configured and the caller is not on loopback.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>403: a token-less server got a <c>Host</c> that is not a loopback name or address with its own port (DNS rebinding).</summary>
    public const string HostNotAllowed = "host_not_allowed";

    /// <summary>403: a browser request from another origin (<c>Origin</c>, <c>Sec-Fetch-Site</c>, CORS preflight) that <c>server.cors_origins</c> does not allow.</summary>
    public const string CrossOriginRefused = "cross_origin_refused";

    /// <summary>404: no route matches the path.</summary>
    public const string NotFound = "not_found";

    /// <summary>404: no session with that id exists.</summary>
    public const string SessionNotFound = "session_not_found";

    /// <summary>404: no agent with that name exists.</summary>
    public const string AgentNotFound = "agent_not_found";

    /// <summary>404: no schedule with that id exists.</summary>
    public const string ScheduleNotFound = "schedule_not_found";

    /// <summary>409: the request does not fit the schedule's state (exists already; run now at its concurrency cap).</summary>
    public const string ScheduleConflict = "schedule_conflict";

    /// <summary>400: the schedule is invalid (bad cron, past <c>at</c>, unknown time zone, zero interval…); the detail names the field.</summary>
    public const string InvalidSchedule = "invalid_schedule";

    /// <summary>405: the route exists but not for this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>409: the request does not fit the session's state (exists already, no such pending approval, completed).</summary>
    public const string SessionConflict = "session_conflict";

    /// <summary>409: the server is already shutting down.</summary>
    public const string ShuttingDown = "shutting_down";

    /// <summary>413: the body is larger than <c>server.max_body_bytes</c>.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>415: the body is not <c>application/json</c>.</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>422: the agent exists but fails to load (the problem lists its errors).</summary>
    public const string AgentInvalid = "agent_invalid";

    /// <summary>500: an unexpected failure; details are in the server log only.</summary>
    public const string InternalError = "internal_error";

    /// <summary>503: the server is starting or stopping.</summary>
    public const string NotReady = "not_ready";

    /// <summary>503: the silo is stopping and accepts no new calls.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>507: the server's storage refused the write (disk full, quota, read-only, I/O error); nothing of the request was stored.</summary>
    public const string InsufficientStorage = "insufficient_storage";

    /// <summary>504: the request took longer than <c>server.request_timeout_seconds</c>, or a grain call timed out.</summary>
    public const string Timeout = "timeout";

    /// <summary>The code for an HTTP status that has no more specific one (e.g. <c>http_418</c>).</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => InvalidRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => SessionConflict,
        413 => BodyTooLarge,
        415 => UnsupportedMediaType,
        500 => InternalError,
        503 => Unavailable,
        504 => Timeout,
        507 => InsufficientStorage,
        _ => "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The HTTP status of a session or schedule error code (<see cref="Duragent.Sessions.SessionException.Code"/>); 400 for codes not listed.</summary>
    public static int StatusOf(string code) => code switch
    {
        SessionNotFound or AgentNotFound or NotFound or ScheduleNotFound => 404,
        SessionConflict or ShuttingDown or ScheduleConflict => 409,
        AgentInvalid => 422,
        Unauthorized => 401,
        Forbidden or HostNotAllowed or CrossOriginRefused => 403,
        BodyTooLarge => 413,
        UnsupportedMediaType => 415,
        MethodNotAllowed => 405,
        InternalError => 500,
        NotReady or Unavailable => 503,
        Timeout => 504,
        InsufficientStorage => 507,
        _ => 400,
    };

    /// <summary>A short, human-readable summary of a code (the problem's <c>title</c>).</summary>
    public static string TitleOf(string code) => code switch
    {
        MalformedJson => "The request body is not valid JSON",
        InvalidRequest => "The request is invalid",
        InvalidId => "The id is invalid",
        Unauthorized => "A valid bearer token is required",
        Forbidden => "Access denied",
        HostNotAllowed => "The Host header is not this server's",
        CrossOriginRefused => "Cross-origin request refused",
        NotFound => "Not found",
        SessionNotFound => "Session not found",
        AgentNotFound => "Agent not found",
        ScheduleNotFound => "Schedule not found",
        ScheduleConflict => "The request conflicts with the schedule's state",
        InvalidSchedule => "The schedule is invalid",
        MethodNotAllowed => "Method not allowed",
        SessionConflict => "The request conflicts with the session's state",
        ShuttingDown => "The server is shutting down",
        BodyTooLarge => "The request body is too large",
        UnsupportedMediaType => "Unsupported media type",
        AgentInvalid => "The agent failed to load",
        InternalError => "Internal server error",
        NotReady => "The server is not ready",
        Unavailable => "The service is unavailable",
        Timeout => "The request timed out",
        InsufficientStorage => "The server's storage cannot take writes",
        _ => "The request failed",
    };
}
