namespace MongoBackup.Engine.Formats;

/// <summary>
/// One collection or view found in a dump. <paramref name="Location"/> is where its documents are, as
/// users see it: a data file's path, or "archive '&lt;path&gt;'". A timeseries collection is listed by its
/// own name; its documents are the buckets of system.buckets.&lt;name&gt;.
/// </summary>
public sealed record DumpNamespace(string Database, string Collection, CollectionMetadata? Metadata, string Location)
{
    public string FullName => $"{Database}.{Collection}";
    public override string ToString() => FullName;
}
