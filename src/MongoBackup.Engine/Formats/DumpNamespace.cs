namespace MongoBackup.Engine.Formats;

/// <summary>
/// One collection or view found in a dump. <paramref name="Location"/> is where its documents are, as
/// users see it: a data file's path, or "archive '&lt;path&gt;'". A timeseries collection is listed by its
/// own name; its documents are the buckets of system.buckets.&lt;name&gt;.
/// </summary>
public sealed record DumpNamespace(string Database, string Collection, CollectionMetadata? Metadata, string Location)
{
    /// <summary>
    /// Why this namespace cannot be restored although the dump lists it (its metadata cannot be read, or a snapshot
    /// file of it is damaged); null when nothing is known to be wrong. The other namespaces are not affected.
    /// </summary>
    public NamespaceDamage? Damage { get; init; }

    /// <summary>"database.collection".</summary>
    public string FullName => $"{Database}.{Collection}";
    /// <inheritdoc/>
    public override string ToString() => FullName;
}

/// <summary>A namespace's file that cannot be used, and why (the message names the file).</summary>
public sealed record NamespaceDamage(string File, string Message);
