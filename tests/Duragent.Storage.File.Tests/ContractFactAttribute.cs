namespace Duragent.Storage.File.Tests;

// The contract suites are compiled into every storage test project; each project says here when its backend is
// missing. The file provider and the in-memory doubles are always there.

/// <summary>A contract test (a plain <see cref="FactAttribute"/> here).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ContractFactAttribute : FactAttribute;

/// <summary>A contract theory (a plain <see cref="TheoryAttribute"/> here).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ContractTheoryAttribute : TheoryAttribute;
