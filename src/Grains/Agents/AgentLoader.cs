using System.Text.RegularExpressions;
using Duragent.Configuration;
using Duragent.Sessions;
using Duragent.Storage;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Duragent.Agents;

/// <summary>
/// Reads one agent directory (<c>agent.yaml</c> and the prompt files it names) into an
/// <see cref="AgentDefinition"/>. Never throws for bad content: every problem becomes a located
/// <see cref="ConfigDiagnostic"/> and one pass reports them all. Fatal: YAML syntax, wrong <c>apiVersion</c> or
/// <c>kind</c>, missing or invalid <c>metadata.name</c> (or one that differs from the directory name), missing
/// <c>spec.model</c>/<c>provider</c>/<c>name</c>, unknown provider, values of the wrong type or out of range.
/// Warnings: unknown keys, missing prompt or README files, unknown built-in tools, invalid skills (<see cref="SkillLoader"/>).
/// </summary>
/// <remarks>This file reads as one story: the agent format, top to bottom, as <c>docs/agent-format.md</c> describes it.</remarks>
public static partial class AgentLoader
{
    /// <summary>The default skills directory, relative to the agent directory: <c>./skills/</c>.</summary>
    public const string DefaultSkillsDirectory = "./skills/";

    private static readonly KeyValuePair<string, OnDisconnect>[] OnDisconnectValues =
        [new("pause", OnDisconnect.Pause), new("continue", OnDisconnect.Continue)];

    private static readonly KeyValuePair<string, CompactionMode>[] CompactionValues =
        [new("archive", CompactionMode.Archive), new("discard", CompactionMode.Discard), new("keep", CompactionMode.Keep), new("disabled", CompactionMode.Keep)];

    private static readonly KeyValuePair<string, ToolResultTruncation>[] TruncationValues =
        [new("head", ToolResultTruncation.Head), new("tail", ToolResultTruncation.Tail), new("both", ToolResultTruncation.Both)];

    /// <summary>
    /// Loads the agent in <paramref name="path"/>: an agent directory, or the <c>agent.yaml</c> inside one.
    /// </summary>
    public static async Task<AgentLoadResult> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var home = File.Exists(full) && !Directory.Exists(full) ? Path.GetDirectoryName(full)! : full;
        var sourceFile = Path.Combine(home, AgentDefinition.FileName);
        var directoryName = Path.GetFileName(home);
        var yaml = new YamlFile(sourceFile);
        var stamps = new AgentFileStamps.Builder();
        stamps.Add(sourceFile);

        var text = await ReadAsync(yaml, sourceFile, cancellationToken);
        Draft? draft = null;
        if (text is not null)
        {
            var root = yaml.Parse(text);
            if (root is null && !yaml.HasErrors)
            {
                yaml.Error(1, 1, "the file is empty; expected a mapping with apiVersion, kind, metadata and spec");
            }
            else if (root is not null)
            {
                draft = new SpecReader(yaml, home, directoryName).Read(root);
            }
        }

        AgentPrompts prompts = AgentPrompts.None;
        if (draft is not null)
        {
            prompts = new AgentPrompts
            {
                Soul = await ReadPromptAsync(yaml, stamps, draft.Soul, cancellationToken),
                SystemPrompt = await ReadPromptAsync(yaml, stamps, draft.SystemPrompt, cancellationToken),
                Instructions = await ReadPromptAsync(yaml, stamps, draft.Instructions, cancellationToken),
            };
            foreach (var readme in draft.Readmes)
            {
                stamps.Add(readme.Path);
                if (!File.Exists(readme.Path))
                {
                    yaml.Warning(readme.Mark, $"{readme.Key}: file '{readme.Written}' not found at {readme.Path}; the tool is described without it");
                }
            }
        }

        if (draft is { SkillsDirectory.Length: > 0 })
        {
            var toolNames = draft.Tools.Select(t => t.Name).ToList();
            if (draft.Memory is not null)
            {
                toolNames.Add(BuiltinToolNames.Memory);
            }

            toolNames.Add(BuiltinToolNames.Skill);
            draft.Skills = SkillLoader.Load(draft.SkillsDirectory, stamps, yaml.Add, toolNames);
        }

        var definition = draft is null || yaml.HasErrors ? null : draft.Build(prompts);
        return new AgentLoadResult
        {
            Name = directoryName,
            HomeDirectory = home,
            SourceFile = sourceFile,
            Definition = definition,
            Diagnostics = yaml.Diagnostics.ToArray(),
            Stamps = stamps.Build(),
        };
    }

    private static async Task<string?> ReadAsync(YamlFile yaml, string file, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            yaml.Error($"file not found; expected an agent directory containing {AgentDefinition.FileName}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yaml.Error($"cannot read the file: {ex.Message}");
        }

        return null;
    }

    private static async Task<PromptFile?> ReadPromptAsync(YamlFile yaml, AgentFileStamps.Builder stamps, FileReference? reference, CancellationToken cancellationToken)
    {
        if (reference is null)
        {
            return null;
        }

        stamps.Add(reference.Path);
        try
        {
            return new PromptFile(reference.Path, await File.ReadAllTextAsync(reference.Path, cancellationToken));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            yaml.Warning(reference.Mark, $"{reference.Key}: file '{reference.Written}' not found at {reference.Path}; the prompt is assembled without it");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yaml.Error(reference.Mark, $"{reference.Key}: cannot read '{reference.Path}': {ex.Message}");
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNamePattern();

    /// <summary>A file named in <c>agent.yaml</c>: where it was named, as written, and resolved.</summary>
    private sealed record FileReference(string Key, Mark Mark, string Written, string Path);

    /// <summary>What the YAML said, before the referenced files are read.</summary>
    private sealed class Draft
    {
        public AgentMetadata? Metadata { get; set; }

        public ModelSpec? Model { get; set; }

        public FileReference? Soul { get; set; }

        public FileReference? SystemPrompt { get; set; }

        public FileReference? Instructions { get; set; }

        public List<FileReference> Readmes { get; } = [];

        public required string Home { get; init; }

        public required string SourceFile { get; init; }

        public string SkillsDirectory { get; set; } = string.Empty;

        public AgentSessionSpec Session { get; set; } = new();

        public List<ToolSpec> Tools { get; } = [];

        public MemorySpec? Memory { get; set; }

        public object? Hooks { get; set; }

        public object? Access { get; set; }

        public IReadOnlyList<SkillSpec> Skills { get; set; } = [];

        public AgentDefinition? Build(AgentPrompts prompts) =>
            Metadata is null || Model is null
                ? null
                : new AgentDefinition
                {
                    Metadata = Metadata,
                    HomeDirectory = Home,
                    SourceFile = SourceFile,
                    Model = Model,
                    Prompts = prompts,
                    SkillsDirectory = SkillsDirectory,
                    Session = Session,
                    Tools = Tools.ToArray(),
                    Memory = Memory,
                    Hooks = Hooks,
                    Access = Access,
                    Skills = Skills,
                };
    }

    private sealed class SpecReader(YamlFile yaml, string home, string directoryName)
    {
        public Draft? Read(YamlNode rootNode)
        {
            var root = YamlMap.From(yaml, rootNode, string.Empty, "a mapping with apiVersion, kind, metadata and spec");
            if (root is null)
            {
                return null;
            }

            var draft = new Draft { Home = home, SourceFile = yaml.File };
            ReadFixed(root, "apiVersion", AgentDefinition.SupportedApiVersion);
            ReadFixed(root, "kind", AgentDefinition.AgentKind);

            var metadata = root.Map("metadata", "a mapping with name (and optionally description, version, labels)");
            if (metadata is null && !root.Has("metadata"))
            {
                root.Missing("metadata", $"a mapping with at least name, for example metadata: {{name: {directoryName}}}");
            }

            draft.Metadata = metadata is null ? null : ReadMetadata(metadata);

            var spec = root.Map("spec", "a mapping with at least model");
            if (spec is null && !root.Has("spec"))
            {
                root.Missing("spec", "a mapping with at least model (provider and name)");
            }

            if (spec is not null)
            {
                ReadSpec(spec, draft);
            }

            root.WarnUnknownKeys();
            return draft;
        }

        private static void ReadFixed(YamlMap root, string key, string expected)
        {
            if (!root.Has(key))
            {
                root.Missing(key, $"{key}: {expected}");
                return;
            }

            var value = root.String(key);
            if (value is not null && !string.Equals(value, expected, StringComparison.Ordinal))
            {
                root.Error(key, $"expected '{expected}', found '{value}'");
            }
        }

        private AgentMetadata? ReadMetadata(YamlMap map)
        {
            var name = map.RequiredString("name", $"the agent's name, equal to its directory name ('{directoryName}')");
            if (name is not null && GrainKey.Check(name) is { } problem)
            {
                map.Error("name", $"'{name}' is not a valid agent name: {problem}");
                name = null;
            }
            else if (name is not null && !string.Equals(name, directoryName, StringComparison.Ordinal))
            {
                map.Error("name", $"'{name}' differs from the agent's directory name '{directoryName}'; expected name: {directoryName} (or rename the directory to '{name}')");
                name = null;
            }

            var metadata = new AgentMetadata
            {
                Name = name ?? string.Empty,
                Description = map.String("description"),
                Version = map.String("version"),
                Labels = new Dictionary<string, string>(map.StringMap("labels") ?? new Dictionary<string, string>(), StringComparer.Ordinal).AsReadOnly(),
            };
            map.WarnUnknownKeys();
            return name is null ? null : metadata;
        }

        private void ReadSpec(YamlMap spec, Draft draft)
        {
            var model = spec.Map("model", "a mapping with provider and name");
            if (model is null && !spec.Has("model"))
            {
                spec.Missing("model", "a mapping with provider and name, for example model: {provider: ollama, name: llama3.2}");
            }

            draft.Model = model is null ? null : ReadModel(model);
            draft.Soul = ReadFile(spec, "soul");
            draft.SystemPrompt = ReadFile(spec, "system_prompt");
            draft.Instructions = ReadFile(spec, "instructions");
            draft.SkillsDirectory = Path.TrimEndingDirectorySeparator(ResolvePath(spec, "skills_dir") ?? Path.GetFullPath(DefaultSkillsDirectory, home));

            var session = spec.Map("session", "a mapping of session settings");
            if (session is not null)
            {
                draft.Session = ReadSession(session);
            }

            ReadTools(spec, draft);
            draft.Memory = ReadMemory(spec);
            draft.Hooks = spec.Node("hooks") is { } hooks ? YamlFile.ToPlainObject(hooks) : null;
            draft.Access = spec.Node("access") is { } access ? YamlFile.ToPlainObject(access) : null;
            spec.WarnUnknownKeys();
        }

        private static ModelSpec? ReadModel(YamlMap map)
        {
            var providerText = map.RequiredString("provider", $"one of {string.Join(", ", ModelProviders.Names)}");
            ModelProvider? provider = null;
            if (providerText is not null)
            {
                if (ModelProviders.TryParse(providerText, out var parsed))
                {
                    provider = parsed;
                }
                else
                {
                    map.Error("provider", $"unknown provider '{providerText}'; expected one of {string.Join(", ", ModelProviders.Names)}");
                }
            }

            var name = map.RequiredString("name", "the model id sent to the provider, for example llama3.2 or claude-sonnet-4-5");
            var temperature = map.Double("temperature", 0, 2);
            var maxInput = map.Int("max_input_tokens", 1);
            var maxOutput = map.Int("max_output_tokens", 1);
            var maxTokens = map.Int("max_tokens", 1);
            if (maxOutput is not null && maxTokens is not null)
            {
                map.Warning("max_tokens", "max_tokens is an alias of max_output_tokens and both are set; max_output_tokens is used");
            }

            var baseUrl = map.String("base_url");
            if (baseUrl is not null && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            {
                map.Error("base_url", $"expected an absolute http:// or https:// URL, found '{baseUrl}'");
                baseUrl = null;
            }

            if (provider == ModelProvider.OpenAICompatible && !map.Has("base_url"))
            {
                map.Missing("base_url", "the server's URL, required for provider openai-compatible (for example http://localhost:8000/v1)");
            }

            var apiKeyEnv = map.String("api_key_env");
            if (apiKeyEnv is not null && !IsVariableName(apiKeyEnv))
            {
                map.Error("api_key_env", $"expected the name of an environment variable such as MY_API_KEY, found '{apiKeyEnv}'");
                apiKeyEnv = null;
            }

            map.WarnUnknownKeys();
            return provider is null || name is null
                ? null
                : new ModelSpec
                {
                    Provider = provider.Value,
                    Name = name,
                    Temperature = temperature,
                    MaxInputTokens = maxInput,
                    MaxOutputTokens = maxOutput ?? maxTokens,
                    BaseUrl = baseUrl,
                    ApiKeyEnv = apiKeyEnv,
                };
        }

        private FileReference? ReadFile(YamlMap map, string key)
        {
            var written = map.String(key);
            var resolved = Resolve(map, key, written);
            return written is null || resolved is null ? null : new FileReference(map.Describe(key), map.ValueMark(key), written, resolved);
        }

        private string? ResolvePath(YamlMap map, string key) => Resolve(map, key, map.String(key));

        private string? Resolve(YamlMap map, string key, string? value)
        {
            if (value is null)
            {
                return null;
            }

            if (value.Trim().Length == 0)
            {
                map.Error(key, "expected a path relative to the agent directory, found an empty text");
                return null;
            }

            try
            {
                return Path.GetFullPath(value, home);
            }
            catch (ArgumentException ex)
            {
                map.Error(key, $"expected a valid path, found '{value}' ({ex.Message})");
                return null;
            }
        }

        private static AgentSessionSpec ReadSession(YamlMap map)
        {
            var defaults = new AgentSessionSpec();
            var session = new AgentSessionSpec
            {
                OnDisconnect = map.Enum("on_disconnect", OnDisconnectValues) ?? defaults.OnDisconnect,
                MaxToolIterations = map.Int("max_tool_iterations", 1) ?? defaults.MaxToolIterations,
                LlmTimeoutSeconds = map.Int("llm_timeout_seconds", 1) ?? defaults.LlmTimeoutSeconds,
                TtlHours = map.Int("ttl_hours", 0),
                Compaction = map.Enum("compaction", CompactionValues),
                Context = map.Map("context", "a mapping of context-window settings") is { } context ? ReadContext(context) : defaults.Context,
            };
            map.WarnUnknownKeys();
            return session;
        }

        private static ContextSpec ReadContext(YamlMap map)
        {
            var defaults = new ContextSpec();
            var maxToolResult = map.Int("max_tool_result_tokens", 0);
            if (maxToolResult == 0)
            {
                map.Error("max_tool_result_tokens", "must be greater than 0, found 0; expected a positive token count such as 8000 (a tool result cannot be cut to nothing)");
                maxToolResult = null;
            }

            var context = new ContextSpec
            {
                MaxHistoryTokens = map.Int("max_history_tokens", 0) ?? defaults.MaxHistoryTokens,
                MaxToolResultTokens = maxToolResult ?? defaults.MaxToolResultTokens,
                ToolResultTruncation = map.Enum("tool_result_truncation", TruncationValues) ?? defaults.ToolResultTruncation,
                ToolResultKeepFirst = map.Int("tool_result_keep_first", 0) ?? defaults.ToolResultKeepFirst,
                ToolResultKeepLast = map.Int("tool_result_keep_last", 0) ?? defaults.ToolResultKeepLast,
            };
            map.WarnUnknownKeys();
            return context;
        }

        private void ReadTools(YamlMap spec, Draft draft)
        {
            var items = spec.List("tools", "a list of tools, each {type: builtin, name} or {type: cli, name, command}");
            if (items is null)
            {
                return;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
            {
                var map = YamlMap.From(yaml, items[i], $"spec.tools[{i}]", "a mapping such as {type: builtin, name: bash}");
                if (map is null)
                {
                    continue;
                }

                var tool = ReadTool(map, draft);
                map.WarnUnknownKeys();
                if (tool is null)
                {
                    continue;
                }

                if (!names.Add(tool.Name))
                {
                    map.Error("name", $"a tool named '{tool.Name}' is already listed; expected each tool once");
                    continue;
                }

                draft.Tools.Add(tool);
            }
        }

        private ToolSpec? ReadTool(YamlMap map, Draft draft)
        {
            var type = map.RequiredString("type", "builtin or cli");
            var name = map.RequiredString("name", type == "cli" ? "the tool's name as the model sees it" : $"one of {string.Join(", ", BuiltinToolNames.All)}");
            var idempotent = map.Bool("idempotent") ?? false;
            switch (type)
            {
                case null:
                    return null;
                case "builtin":
                    if (name is not null && !BuiltinToolNames.IsKnown(name))
                    {
                        map.Warning("name", $"unknown built-in tool '{name}' is ignored; expected one of {string.Join(", ", BuiltinToolNames.All)}");
                        return null;
                    }

                    return name is null ? null : new BuiltinToolSpec { Name = name, Idempotent = idempotent };
                case "cli":
                    if (name is not null && !ToolNamePattern().IsMatch(name))
                    {
                        map.Error("name", $"'{name}' is not a valid tool name; expected 1 to 64 letters, digits, '_' or '-'");
                        name = null;
                    }

                    var command = map.RequiredString("command", "the command line to run, for example ./scripts/deploy.sh");
                    var description = map.String("description");
                    var readme = ReadFile(map, "readme");
                    var timeout = map.Int("timeout_seconds", 1);
                    if (readme is not null)
                    {
                        draft.Readmes.Add(readme);
                    }

                    return name is null || command is null
                        ? null
                        : new CliToolSpec
                        {
                            Name = name,
                            Idempotent = idempotent,
                            Command = command,
                            Description = description,
                            ReadmePath = readme?.Path,
                            TimeoutSeconds = timeout,
                        };
                default:
                    var hint = type == "mcp" ? " (MCP tools are not supported yet)" : string.Empty;
                    map.Error("type", $"unknown tool type '{type}'{hint}; expected builtin or cli");
                    return null;
            }
        }

        private static MemorySpec? ReadMemory(YamlMap spec)
        {
            if (!spec.Contains("memory"))
            {
                return null;
            }

            var node = spec.Node("memory");
            switch (node)
            {
                case null:
                    return new MemorySpec();
                case YamlScalarNode scalar when string.Equals(scalar.Value, "true", StringComparison.OrdinalIgnoreCase):
                    return new MemorySpec();
                case YamlScalarNode scalar when string.Equals(scalar.Value, "false", StringComparison.OrdinalIgnoreCase):
                    return null;
            }

            var map = spec.Map("memory", "a mapping such as {backend: filesystem}");
            if (map is null)
            {
                return null;
            }

            var backend = map.String("backend") ?? MemorySpec.DefaultBackend;
            if (!string.Equals(backend, MemorySpec.DefaultBackend, StringComparison.Ordinal))
            {
                map.Warning("backend", $"unknown memory backend '{backend}'; only '{MemorySpec.DefaultBackend}' exists, and it is used");
                backend = MemorySpec.DefaultBackend;
            }

            map.WarnUnknownKeys();
            return new MemorySpec { Backend = backend };
        }

        private static bool IsVariableName(string name) =>
            name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }
}
