using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>Validation of ids from URLs and bodies (<see cref="GrainKey"/> rules) before they reach a grain or a path.</summary>
internal static class Ids
{
    /// <summary>Returns <paramref name="id"/> or throws 400 <c>invalid_id</c> naming what it is and the rule it breaks.</summary>
    public static string Check(string? id, string what)
    {
        var problem = GrainKey.Check(id);
        if (problem is null)
        {
            return id!;
        }

        throw new ApiProblemException(ApiProblem.Of(ProblemCodes.InvalidId, $"Invalid {what} '{Shown(id)}': {problem}."));
    }

    // Echo at most 40 characters, with control characters replaced, so the detail is safe to print and log.
    private static string Shown(string? id)
    {
        if (id is null)
        {
            return string.Empty;
        }

        var text = id.Length > 40 ? id[..40] + "…" : id;
        return string.Create(text.Length, text, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}
