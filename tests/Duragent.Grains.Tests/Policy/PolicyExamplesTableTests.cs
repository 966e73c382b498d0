using System.Text;
using Duragent.Policy;

namespace Duragent.Grains.Tests.Policy;

/// <summary>
/// Runs the table of policy examples in docs/agent-format.md (between the <c>policy-examples</c> markers): the
/// documentation and the tests are one source.
/// </summary>
public sealed class PolicyExamplesTableTests
{
    private const string Begin = "<!-- policy-examples:begin -->";
    private const string End = "<!-- policy-examples:end -->";

    public static TheoryData<int, string> Rows()
    {
        var data = new TheoryData<int, string>();
        foreach (var (line, row) in ReadRows())
        {
            data.Add(line, row);
        }

        return data;
    }

    [Fact]
    public void Table_HasTheExamples()
    {
        Assert.True(ReadRows().Count >= 50, "docs/agent-format.md should hold at least 50 policy examples");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Example_HasTheDocumentedVerdict(int line, string row)
    {
        var cells = Cells(row);
        Assert.True(cells.Count >= 5, $"docs/agent-format.md:{line}: expected | Allow | Deny | Mode | Call | Verdict |");
        var allow = CodeSpans(cells[0]).Select(PolicyPattern.Parse).ToList();
        var deny = CodeSpans(cells[1]).Select(PolicyPattern.Parse).ToList();
        var mode = Enum.Parse<PolicyMode>(cells[2].Trim(), ignoreCase: true);
        var call = Assert.Single(CodeSpans(cells[3]));
        var colon = call.IndexOf(':', StringComparison.Ordinal);
        var expected = cells[4].Trim();

        var verdict = new ToolPolicy(mode, allow, deny).Evaluate(call[..colon], call[(colon + 1)..]);

        Assert.True(expected == verdict.Name, $"docs/agent-format.md:{line}: '{call}' is {verdict.Name} ({verdict.Reason}), the table says {expected}");
    }

    private static List<(int Line, string Row)> ReadRows()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "agent-format.md"));
        var begin = Array.IndexOf(lines, Begin);
        var end = Array.IndexOf(lines, End);
        Assert.True(begin >= 0 && end > begin, $"docs/agent-format.md must hold the markers {Begin} and {End}");
        return lines[(begin + 1)..end]
            .Select((text, index) => (Line: begin + 2 + index, Row: text))
            .Where(r => r.Row.StartsWith('|') && !r.Row.StartsWith("|---", StringComparison.Ordinal) && !r.Row.StartsWith("| Allow", StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>The cells of a GFM table row: split at unescaped <c>|</c>, then <c>\|</c> → <c>|</c>.</summary>
    private static List<string> Cells(string row)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] == '\\' && i + 1 < row.Length && row[i + 1] == '|')
            {
                cell.Append('|');
                i++;
            }
            else if (row[i] == '|')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(row[i]);
            }
        }

        return cells;
    }

    /// <summary>The contents of the code spans in a cell (CommonMark: a run of n backticks to the next run of n; one space stripped each side).</summary>
    private static List<string> CodeSpans(string cell)
    {
        var spans = new List<string>();
        var i = 0;
        while ((i = cell.IndexOf('`', i)) >= 0)
        {
            var n = 0;
            while (i + n < cell.Length && cell[i + n] == '`')
            {
                n++;
            }

            var fence = new string('`', n);
            var close = i + n;
            while ((close = cell.IndexOf(fence, close, StringComparison.Ordinal)) >= 0 && close + n < cell.Length && cell[close + n] == '`')
            {
                close += n + 1;
            }

            Assert.True(close >= 0, $"unclosed code span in '{cell}'");
            var text = cell[(i + n)..close];
            if (text.Length > 2 && text[0] == ' ' && text[^1] == ' ' && text.Trim().Length > 0)
            {
                text = text[1..^1];
            }

            spans.Add(text);
            i = close + n;
        }

        return spans;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Duragent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Duragent.sln not found above {AppContext.BaseDirectory}.");
    }
}
