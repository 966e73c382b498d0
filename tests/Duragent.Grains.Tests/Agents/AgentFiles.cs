using Duragent.Grains.Tests.Configuration;

namespace Duragent.Grains.Tests.Agents;

/// <summary>Writes agent directories for tests.</summary>
internal static class AgentFiles
{
    public static string Minimal(string name) => $"""
        apiVersion: duragent/v1alpha1
        kind: Agent
        metadata:
          name: {name}
        spec:
          model:
            provider: ollama
            name: llama3.2

        """;

    /// <summary>Writes <c>agents/&lt;directory&gt;/agent.yaml</c> and returns the agent directory.</summary>
    public static string WriteAgent(this TestDirectory dir, string directory, string yaml)
    {
        dir.Write(Path.Combine("agents", directory, "agent.yaml"), yaml);
        return dir.Combine("agents", directory);
    }

    /// <summary>Moves a file's modification time forward so change detection never depends on clock resolution.</summary>
    public static void Touch(string path, int seconds = 10) =>
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(seconds));
}
