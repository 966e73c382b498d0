using System.Text;

namespace Duragent.Memory;

/// <summary>
/// Ranks the paragraphs of memory files against a query with BM25 (k1 = 1.2, b = 0.75) over lower-cased words; a query
/// word of four letters or more also matches longer words it starts (<c>deploy</c> finds <c>deployment</c>), and a
/// paragraph that holds the whole query as written scores half again. Each hit is the paragraph (cut to
/// <see cref="MaxSnippetLength"/> characters) under its nearest heading, with its file and line. Pure and deterministic:
/// equal scores keep file order, then line order.
/// </summary>
public static class MemorySearch
{
    /// <summary>The longest snippet: 400 characters.</summary>
    public const int MaxSnippetLength = 400;

    private const double K1 = 1.2;
    private const double B = 0.75;

    /// <summary>The query's words as the search uses them (lower case, at least two characters, no repeats).</summary>
    public static IReadOnlyList<string> Terms(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Words(query).Where(w => w.Length >= 2).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The <paramref name="limit"/> best paragraphs of <paramref name="documents"/> for <paramref name="query"/>.</summary>
    public static IReadOnlyList<MemorySnippet> Search(IEnumerable<MemoryDocument> documents, string query, int limit)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var terms = Terms(query);
        if (terms.Count == 0 || limit <= 0)
        {
            return [];
        }

        var chunks = documents.SelectMany(Chunk).ToList();
        if (chunks.Count == 0)
        {
            return [];
        }

        var averageLength = Math.Max(1.0, chunks.Average(c => c.Words.Count));
        var documentFrequency = terms.ToDictionary(t => t, t => chunks.Count(c => c.Words.Any(w => Matches(w, t))), StringComparer.Ordinal);
        var phrase = query.Trim().ToLowerInvariant();
        var hits = new List<(Paragraph Chunk, double Score, int Order)>();
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var score = 0.0;
            foreach (var term in terms)
            {
                var tf = chunk.Words.Count(w => Matches(w, term));
                if (tf == 0)
                {
                    continue;
                }

                var df = documentFrequency[term];
                var idf = Math.Log(1 + ((chunks.Count - df + 0.5) / (df + 0.5)));
                score += idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * chunk.Words.Count / averageLength))));
            }

            if (score <= 0)
            {
                continue;
            }

            if (terms.Count > 1 && chunk.Text.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                score *= 1.5;
            }

            hits.Add((chunk, score, i));
        }

        return hits
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Order)
            .Take(limit)
            .Select(h => new MemorySnippet(h.Chunk.Location, h.Chunk.Line, Math.Round(h.Score, 3), Snippet(h.Chunk)))
            .ToList();
    }

    private static bool Matches(string word, string term) =>
        word == term || (term.Length >= 4 && word.StartsWith(term, StringComparison.Ordinal));

    private static string Snippet(Paragraph chunk)
    {
        var text = chunk.Text.Length > MaxSnippetLength ? chunk.Text[..MaxSnippetLength] + "…" : chunk.Text;
        return chunk.Heading is null ? text : $"{chunk.Heading}\n{text}";
    }

    private static IEnumerable<Paragraph> Chunk(MemoryDocument document)
    {
        var lines = document.Text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string? heading = null;
        var start = -1;
        var text = new StringBuilder();
        for (var i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i] : string.Empty;
            var isHeading = line.StartsWith('#');
            if (line.Trim().Length == 0 || isHeading)
            {
                if (start >= 0)
                {
                    yield return Make(document, start, heading, text.ToString());
                    text.Clear();
                    start = -1;
                }

                if (isHeading)
                {
                    heading = line.Trim();

                    // A heading is searchable too (a topic's title, a day's date).
                    yield return Make(document, i, null, heading);
                }

                continue;
            }

            if (start < 0)
            {
                start = i;
            }
            else
            {
                text.Append('\n');
            }

            text.Append(line);
        }
    }

    private static Paragraph Make(MemoryDocument document, int index, string? heading, string text) =>
        new(document.Location, index + 1, heading, text, Words(text).ToList());

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    private sealed record Paragraph(string Location, int Line, string? Heading, string Text, List<string> Words);
}
