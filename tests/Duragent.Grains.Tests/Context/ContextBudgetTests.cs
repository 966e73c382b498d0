using Duragent.Agents;
using Duragent.Context;

namespace Duragent.Grains.Tests.Context;

public sealed class ContextBudgetTests
{
    [Fact]
    public void Compute_SubtractsSystemToolsOutputAndTenPercent()
    {
        var budget = ContextBudget.Compute(maxInputTokens: 100_000, systemTokens: 3_000, toolTokens: 2_000, maxOutputTokens: 8_000, maxHistoryTokens: 0);

        Assert.Equal(10_000, budget.Margin);
        Assert.Equal(100_000 - 3_000 - 2_000 - 8_000 - 10_000, budget.Available);
        Assert.Equal(budget.Available, budget.History);
    }

    [Fact]
    public void Compute_ReservesFourThousandNinetySixForOutput_WhenUnset()
    {
        var budget = ContextBudget.Compute(200_000, 0, 0, maxOutputTokens: null, maxHistoryTokens: 0);

        Assert.Equal(4_096, budget.OutputReserve);
        Assert.Equal(200_000 - 4_096 - 20_000, budget.Available);
    }

    [Fact]
    public void Compute_CapsHistoryAtMaxHistoryTokens()
    {
        Assert.Equal(40_000, ContextBudget.Compute(200_000, 1_000, 1_000, null, 40_000).History);
        Assert.Equal(3_904, ContextBudget.Compute(10_000, 1_000, 0, null, 40_000).History);
    }

    [Fact]
    public void Compute_ClampsAtZero_WhenTheSystemPromptFillsTheWindow()
    {
        var budget = ContextBudget.Compute(8_000, 7_000, 500, null, 40_000);

        Assert.Equal(0, budget.Available);
        Assert.Equal(0, budget.History);
    }
}
