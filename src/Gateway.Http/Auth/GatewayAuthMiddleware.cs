using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Problems;
using Duragent.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Auth;

/// <summary>
/// Guards <c>/api/v1/*</c> and <c>/version</c> with the API token (<see cref="ApiTokenStore"/>: <c>server.api_token</c>,
/// or the token the server generated at start in its runtime folder) and <c>/api/admin/*</c> with
/// <c>server.admin_token</c>, sent as <c>Authorization: Bearer &lt;token&gt;</c>. A configured token is required from
/// every caller (401 otherwise). A generated token is required too, and only loopback callers are served (403
/// otherwise): it is a local credential. Without <c>server.admin_token</c>, admin routes take the API token, from
/// loopback callers only. Health routes and the OpenAPI document are open (<c>/readyz</c> says more with the token).
/// Runs before routing, so unknown routes under <c>/api</c> reveal nothing to unauthenticated callers. The one
/// exception to the header: <c>GET /api/v1/sessions/{id}/stream?stream_token=…</c> with a token from
/// <see cref="StreamTokens"/> for that session (browsers cannot set headers on <c>EventSource</c>).
/// </summary>
internal sealed class GatewayAuthMiddleware
{
    private static readonly PathString Api = new("/api");
    private static readonly PathString Admin = new("/api/admin");
    private static readonly PathString Version = new("/version");
    private static readonly PathString Sessions = new("/api/v1/sessions");

    /// <summary>The query parameter of a stream token: <c>stream_token</c>.</summary>
    public const string StreamTokenParameter = "stream_token";

    private readonly RequestDelegate _next;
    private readonly ApiTokenStore _apiToken;
    private readonly BearerToken? _adminToken;
    private readonly StreamTokens _streamTokens;
    private readonly ILogger<GatewayAuthMiddleware> _logger;

    public GatewayAuthMiddleware(RequestDelegate next, IOptions<GatewayOptions> options, ApiTokenStore apiToken, StreamTokens streamTokens, ILogger<GatewayAuthMiddleware> logger)
    {
        _next = next;
        _streamTokens = streamTokens;
        _apiToken = apiToken;
        _adminToken = BearerToken.From(options.Value.Server.AdminToken);
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(Admin))
        {
            return _adminToken is { } admin ? CheckConfigured(context, admin.Matches, "server.admin_token") : CheckLocal(context, "server.admin_token");
        }

        if (path.StartsWithSegments(Api) || path.StartsWithSegments(Version))
        {
            return _apiToken.IsConfigured ? CheckConfigured(context, _apiToken.Matches, "server.api_token") : CheckLocal(context, "server.api_token");
        }

        return _next(context);
    }

    private delegate bool TokenCheck(ReadOnlySpan<char> presented);

    // A configured token: any caller that presents it.
    private Task CheckConfigured(HttpContext context, TokenCheck matches, string setting)
    {
        if (!BearerToken.TryParseHeader(context.Request.Headers.Authorization, out var presented))
        {
            return Unauthenticated(context, $"Send the token configured as {setting} as 'Authorization: Bearer <token>'.");
        }

        if (!matches(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, $"The bearer token does not match {setting}."), "wrong bearer token");
        }

        return _next(context);
    }

    // No configured token: loopback callers with the API token (the generated one, or server.api_token for admin routes).
    private Task CheckLocal(HttpContext context, string setting)
    {
        if (!BearerToken.IsLoopback(context.Connection.RemoteIpAddress))
        {
            return Refuse(context, ApiProblem.Of(ProblemCodes.Forbidden,
                $"This server accepts {Describe(context)} only from loopback callers because {setting} is not set. Set {setting} on the server and send it as 'Authorization: Bearer <token>'."),
                $"no {setting} is set and the caller is not on loopback");
        }

        var which = _apiToken.IsConfigured ? "server.api_token" : "this server's token (`duragent token` in its workspace prints it)";
        if (!BearerToken.TryParseHeader(context.Request.Headers.Authorization, out var presented))
        {
            return Unauthenticated(context, $"Send {which} as 'Authorization: Bearer <token>'.");
        }

        if (!_apiToken.Matches(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, $"The bearer token is not {which}."), "wrong bearer token");
        }

        return _next(context);
    }

    private Task Unauthenticated(HttpContext context, string detail)
    {
        if (StreamSession(context.Request) is { } sessionId && context.Request.Query.TryGetValue(StreamTokenParameter, out var streamToken))
        {
            if (_streamTokens.Validate(sessionId, streamToken.ToString()))
            {
                return _next(context);
            }

            return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, $"The {StreamTokenParameter} is not valid for this session or has expired; get a new one with POST /api/v1/sessions/{{id}}/stream-token."), "invalid stream token");
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, detail), "no bearer token");
    }

    // The session id of GET /api/v1/sessions/{id}/stream, or null for any other request.
    private static string? StreamSession(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) || !request.Path.StartsWithSegments(Sessions, out var rest))
        {
            return null;
        }

        var parts = rest.Value!.Split('/');
        return parts is ["", { Length: > 0 } id, "stream"] ? id : null;
    }

    private Task Refuse(HttpContext context, ApiProblem problem, string reason)
    {
        GatewayLog.LogWarningAuthRefused(_logger, context.Request.Method, context.Request.Path.Value ?? "/", Remote(context), reason);
        return problem.ExecuteAsync(context);
    }

    private static string Describe(HttpContext context) =>
        context.Request.Path.StartsWithSegments(Admin) ? "admin requests" : "API requests";

    internal static string Remote(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : "(unknown)";
}
