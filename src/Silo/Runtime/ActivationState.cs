namespace Duragent.Runtime;

/// <summary>The lifecycle of one activation.</summary>
internal enum ActivationState
{
    /// <summary>In the activation table; requests queue.</summary>
    Creating,

    /// <summary>Registering in the directory, loading state, running <see cref="Grain.OnActivateAsync"/>; requests queue.</summary>
    Activating,

    /// <summary>Serving requests.</summary>
    Valid,

    /// <summary>Waiting for running requests, then running <see cref="Grain.OnDeactivateAsync"/>; new requests are held for the next activation.</summary>
    Deactivating,

    /// <summary>Gone from the table; a new call creates a new activation.</summary>
    Invalid,
}
