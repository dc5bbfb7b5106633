namespace MongoBackup.TestServer.Storage;

/// <summary>What listCollections reports as "type".</summary>
internal enum CollectionKind
{
    Collection,
    View,
    Timeseries,
}
