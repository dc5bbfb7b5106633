using MongoDB.Bson;

namespace MongoBackup.Engine.Catalog;

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
    /// <summary>"database.name", as users and the oplog name it.</summary>
    public string Namespace => Database + "." + Name;
    /// <summary>False for a view, which has options and a pipeline but no documents or indexes of its own.</summary>
    public bool HasData => Kind != CollectionKind.View;
    /// <summary>
    /// The collection that holds the documents: system.buckets.NAME for a time-series collection, else the name itself.
    /// </summary>
    public string DataCollection => Kind.DataCollection(Name);

    /// <summary>
    /// The type as mongodump writes it in metadata.json and the manifest records it: "collection", "view" or "timeseries".
    /// </summary>
    public string TypeName => Kind.TypeName();
}
