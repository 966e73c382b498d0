using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Auth;

/// <summary>
/// Guards <c>/api/v1/*</c> with <c>server.api_token</c> and <c>/api/admin/*</c> with <c>server.admin_token</c>
/// (<c>Authorization: Bearer &lt;token&gt;</c>). With a token set, every caller must present it (401 otherwise);
/// without one, only loopback callers are served (403 otherwise). Other paths (health, OpenAPI) are open. Runs
/// before routing, so unknown routes under <c>/api</c> reveal nothing to unauthenticated callers. The one exception to
/// the header: <c>GET /api/v1/sessions/{id}/stream?stream_token=…</c> with a token from <see cref="StreamTokens"/> for
/// that session (browsers cannot set headers on <c>EventSource</c>).
/// </summary>
internal sealed class GatewayAuthMiddleware
{
    private static readonly PathString Api = new("/api");
    private static readonly PathString Admin = new("/api/admin");
    private static readonly PathString Sessions = new("/api/v1/sessions");

    /// <summary>The query parameter of a stream token: <c>stream_token</c>.</summary>
    public const string StreamTokenParameter = "stream_token";

    private readonly RequestDelegate _next;
    private readonly BearerToken? _apiToken;
    private readonly BearerToken? _adminToken;
    private readonly StreamTokens _streamTokens;
    private readonly ILogger<GatewayAuthMiddleware> _logger;

    public GatewayAuthMiddleware(RequestDelegate next, IOptions<GatewayOptions> options, StreamTokens streamTokens, ILogger<GatewayAuthMiddleware> logger)
    {
        _next = next;
        _streamTokens = streamTokens;
        _apiToken = BearerToken.From(options.Value.Server.ApiToken);
        _adminToken = BearerToken.From(options.Value.Server.AdminToken);
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(Admin))
        {
            return Check(context, _adminToken, "server.admin_token");
        }

        if (path.StartsWithSegments(Api))
        {
            return Check(context, _apiToken, "server.api_token");
        }

        return _next(context);
    }

    private Task Check(HttpContext context, BearerToken? token, string setting)
    {
        if (token is null)
        {
            if (BearerToken.IsLoopback(context.Connection.RemoteIpAddress))
            {
                return _next(context);
            }

            return Refuse(context, ApiProblem.Of(ProblemCodes.Forbidden,
                $"This server accepts {Describe(context)} only from loopback callers because {setting} is not set. Set {setting} on the server and send it as 'Authorization: Bearer <token>'."),
                $"no {setting} is set and the caller is not on loopback");
        }

        if (!BearerToken.TryParseHeader(context.Request.Headers.Authorization, out var presented))
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
            return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, $"Send the token configured as {setting} as 'Authorization: Bearer <token>'."), "no bearer token");
        }

        if (!token.Matches(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Refuse(context, ApiProblem.Of(ProblemCodes.Unauthorized, $"The bearer token does not match {setting}."), "wrong bearer token");
        }

        return _next(context);
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
