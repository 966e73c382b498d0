using System.Net;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Auth;

/// <summary>
/// Keeps web pages the user happens to open away from the API. A server without a token trusts every loopback caller,
/// and a browser on the same machine is one: so on routes whose token is not set, the <c>Host</c> must be a loopback
/// name or address with this server's port (a DNS-rebinding page sends its own host name), and <c>/api/*</c> requests
/// carrying an <c>Origin</c> other than the server's own, or <c>Sec-Fetch-Site: cross-site</c>/<c>same-site</c>, are
/// refused unless the origin is in <c>server.cors_origins</c>. CORS preflights are refused (problem+json 403) unless
/// their origin is configured; configured ones go on to the CORS middleware. <c>/livez</c> stays open to any
/// <c>Host</c> (probes), and servers with a token skip the Host and Origin checks: a browser cannot add the token.
/// Remote callers are left to the auth middleware, which refuses them on token-less routes anyway.
/// </summary>
internal sealed class BrowserGuardMiddleware
{
    private static readonly PathString Api = new("/api");
    private static readonly PathString Admin = new("/api/admin");
    private static readonly PathString Live = new("/livez");

    private readonly RequestDelegate _next;
    private readonly bool _apiTokenSet;
    private readonly bool _adminTokenSet;
    private readonly HashSet<string> _origins;
    private readonly ILogger<BrowserGuardMiddleware> _logger;

    public BrowserGuardMiddleware(RequestDelegate next, IOptions<GatewayOptions> options, ILogger<BrowserGuardMiddleware> logger)
    {
        _next = next;
        var server = options.Value.Server;
        _apiTokenSet = !string.IsNullOrEmpty(server.ApiToken);
        _adminTokenSet = !string.IsNullOrEmpty(server.AdminToken);
        _origins = new HashSet<string>(server.CorsOrigins, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (IsPreflight(request) && !_origins.Contains(origin))
        {
            return Refuse(context, ProblemCodes.CrossOriginRefused,
                $"CORS is not enabled for the origin '{Shown(origin)}'; list it in server.cors_origins to let its pages call this server.",
                "CORS preflight from an origin not in server.cors_origins");
        }

        var path = request.Path;
        var tokenSet = path.StartsWithSegments(Admin) ? _adminTokenSet : _apiTokenSet;
        if (tokenSet || !BearerToken.IsLoopback(context.Connection.RemoteIpAddress))
        {
            // With a token a browser cannot get in by itself; a remote caller is refused by the auth middleware (403).
            return _next(context);
        }

        if (!path.StartsWithSegments(Live) && !IsLoopbackHost(request.Host, request.Scheme, context.Connection.LocalPort))
        {
            return Refuse(context, ProblemCodes.HostNotAllowed,
                $"The Host header '{Shown(request.Host.Value)}' is not this server: without a token it answers only to localhost, 127.0.0.1 or [::1] with port {context.Connection.LocalPort}. Set server.api_token to serve other host names.",
                "Host is not a loopback name with the server's port");
        }

        if (path.StartsWithSegments(Api) && CrossOriginReason(request, origin) is { } reason)
        {
            return Refuse(context, ProblemCodes.CrossOriginRefused,
                $"Refused a browser request from another site ({reason}): this server has no token, so only its own pages and the origins in server.cors_origins may call it.",
                reason);
        }

        return _next(context);
    }

    /// <summary>True when <paramref name="host"/> is <c>localhost</c>, 127.0.0.0/8 or ::1 (IPv4-mapped too) with port <paramref name="port"/>.</summary>
    public static bool IsLoopbackHost(HostString host, string scheme, int port)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var presentedPort = host.Port ?? (string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80);
        if (presentedPort != port)
        {
            return false;
        }

        var name = host.Host;
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return name.StartsWith('[') == name.EndsWith(']')
            && IPAddress.TryParse(name.Trim('[', ']'), out var address)
            && BearerToken.IsLoopback(address);
    }

    private string? CrossOriginReason(HttpRequest request, string origin)
    {
        if (origin.Length > 0)
        {
            var own = request.Scheme + "://" + request.Host.Value;
            if (!string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) && !_origins.Contains(origin))
            {
                return $"Origin '{Shown(origin)}' is not {own}";
            }

            return null;
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || site.Equals("same-site", StringComparison.OrdinalIgnoreCase))
        {
            return $"Sec-Fetch-Site: {site}";
        }

        return null;
    }

    private static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method");

    private Task Refuse(HttpContext context, string code, string detail, string reason)
    {
        GatewayLog.LogWarningAuthRefused(_logger, context.Request.Method, context.Request.Path.Value ?? "/", GatewayAuthMiddleware.Remote(context), reason);
        return ApiProblem.Of(code, detail).ExecuteAsync(context);
    }

    // Header values are echoed in details and logs: at most 80 characters, control characters replaced.
    private static string Shown(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "(none)";
        }

        var text = value.Length > 80 ? value[..80] + "…" : value;
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
