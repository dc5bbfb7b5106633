using MongoDB.Bson;

namespace MongoBackup.Engine.Catalog;

public enum CollectionKind { Collection, View, Timeseries }

/// <summary>
/// One namespace on the source server as listCollections and listIndexes describe it: the unit of work of a backup.
/// For a timeseries collection the data lives in <see cref="DataCollection"/> (system.buckets.NAME), as MongoDB keeps it.
/// </summary>
public sealed record SourceCollection(
    string Database,
    string Name,
    CollectionKind Kind,
    BsonDocument Options,
    string? Uuid,
    IReadOnlyList<BsonDocument> Indexes)
{
    public string Namespace => Database + "." + Name;
    public bool HasData => Kind != CollectionKind.View;
    public string DataCollection => Kind == CollectionKind.Timeseries ? "system.buckets." + Name : Name;

    public string TypeName => Kind switch
    {
        CollectionKind.View => "view",
        CollectionKind.Timeseries => "timeseries",
        _ => "collection",
    };
}
