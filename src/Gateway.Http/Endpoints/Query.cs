using System.Globalization;
using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// Parsing of query parameters, bound as strings so that a bad value gets a 400 naming the parameter and what it must
/// be (the framework's own binding answers a bare 400). Their OpenAPI types are set by <c>GatewayOpenApi</c>.
/// </summary>
internal static class Query
{
    /// <summary>The parameter's whole number, null when absent; 400 when it is not a number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static long? Integer(string? text, string name, long min, long max = long.MaxValue)
    {
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            var range = max == long.MaxValue ? $"a whole number of at least {min}" : $"a whole number from {min} to {max}";
            throw new ApiProblemException(ApiProblem.Invalid($"The query parameter '{name}' must be {range}; got '{Shown(text)}'."));
        }

        return value;
    }

    /// <summary><c>true</c> or <c>false</c> (any case), null when absent; 400 otherwise.</summary>
    public static bool? Boolean(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        throw new ApiProblemException(ApiProblem.Invalid($"The query parameter '{name}' must be 'true' or 'false'; got '{Shown(text)}'."));
    }

    private static string Shown(string text)
    {
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        return new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
