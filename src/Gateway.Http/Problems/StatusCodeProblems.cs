using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Duragent.Gateway.Http.Problems;

/// <summary>
/// Gives the framework's empty error responses a problem+json body: 404 for unknown routes, 405 for a known route
/// with another method (naming the allowed ones), 415 from the endpoints' declared media types, and any other bodiless
/// error status.
/// </summary>
internal static class StatusCodeProblems
{
    public static Task WriteAsync(StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        var status = context.Response.StatusCode;
        var request = context.Request;
        var detail = status switch
        {
            404 => $"No endpoint matches {request.Method} {request.Path}.",
            405 => $"{request.Method} is not allowed on {request.Path}; allowed: {AllowedMethods(context)}.",
            415 => $"The Content-Type is '{request.ContentType}'; send the body as application/json.",
            _ => null,
        };
        return ApiProblem.Of(status, ProblemCodes.ForStatus(status), detail).ExecuteAsync(context);
    }

    private static string AllowedMethods(HttpContext context)
    {
        var allow = context.Response.Headers.Allow.ToString();
        return allow.Length == 0 ? "(none)" : allow;
    }
}
