namespace MongoBackup.Engine.Tests.Model;

/// <summary>
/// The kinds of namespace and the time-series buckets rule every part shares: type names as listCollections and
/// metadata.json write them, and a time-series collection's documents in system.buckets.NAME, renamed with NAME.
/// </summary>
public sealed class CollectionKindTests
{
    [Theory]
    [InlineData("collection", CollectionKind.Collection)]
    [InlineData("view", CollectionKind.View)]
    [InlineData("timeseries", CollectionKind.Timeseries)]
    public void Type_names_read_and_write_as_MongoDB_writes_them(string type, CollectionKind kind)
    {
        Assert.Equal(kind, CollectionKinds.FromTypeName(type));
        Assert.Equal(type, kind.TypeName());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Timeseries")]
    public void No_type_or_an_unknown_one_is_an_ordinary_collection(string? type) =>
        Assert.Equal(CollectionKind.Collection, CollectionKinds.FromTypeName(type));

    [Fact]
    public void A_time_series_collections_documents_are_its_buckets_and_follow_its_renames()
    {
        Assert.Equal("system.buckets.weather", CollectionKind.Timeseries.DataCollection("weather"));
        Assert.Equal("weather", CollectionKind.Collection.DataCollection("weather"));
        Assert.Equal("weather", TimeseriesBuckets.CollectionOf("system.buckets.weather"));
        Assert.Equal("system.js", TimeseriesBuckets.CollectionOf("system.js"));
        Assert.False(TimeseriesBuckets.IsBuckets("system.bucketsweather"));

        var map = new NamespaceMap().AddDatabaseRename("iot", "iot_check");

        Assert.Equal(("iot_check", "system.buckets.weather"), map.MapStored("iot", "system.buckets.weather"));
        Assert.Equal(("archive", "system.buckets.climate"), new NamespaceMap().Add("iot.weather", "archive.climate").MapStored("iot", "system.buckets.weather"));
    }
}
