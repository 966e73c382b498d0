using Duragent.Gateway.Http.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// Refuses request targets with a <c>.</c> or <c>..</c> path segment (also percent-encoded) with 400: Kestrel removes
/// them before routing, so <c>/api/v1/sessions/.</c> would otherwise reach the session list and <c>/a/../b</c> a route
/// the client did not name.
/// </summary>
internal sealed class RequestTargetMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && HasDotSegment(raw))
        {
            return ApiProblem.Invalid("The request path has a '.' or '..' segment; name the resource without them (for example /api/v1/sessions/{id}).")
                .ExecuteAsync(context);
        }

        return next(context);
    }

    /// <summary>True when the path of <paramref name="target"/> (before any query) has a <c>.</c> or <c>..</c> segment.</summary>
    public static bool HasDotSegment(string target)
    {
        var end = target.IndexOfAny(['?', '#']);
        var path = (end < 0 ? target : target[..end]).AsSpan();
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.Length is 0 or > 6)
            {
                continue;
            }

            var decoded = segment.ToString().Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (decoded is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
