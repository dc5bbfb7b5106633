using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Index forms MongoDB reports and refuses that restores depend on: text indexes in their _fts/_ftsx form, the default
/// index of a new time-series collection with a metaField (6.3+), an _id index with options. Runs against
/// MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class IndexFormTests : ServerTestBase
{
    [Fact]
    public void A_text_index_is_listed_in_the_form_mongodb_stores_and_that_form_creates_the_same_index()
    {
        var db = Database("txt");
        db.GetCollection<BsonDocument>("a").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(
            BsonDocument.Parse("{shop: 1, title: 'text', body: 'text', year: -1}"), new CreateIndexOptions { Weights = new BsonDocument("title", 5) }));
        var listed = db.GetCollection<BsonDocument>("a").Indexes.List().ToList()[1];
        Assert.Equal(BsonDocument.Parse(
            "{v: 2, key: {shop: 1, _fts: 'text', _ftsx: 1, year: -1}, name: 'shop_1_title_text_body_text_year_-1', weights: {body: 1, title: 5}, "
            + "default_language: 'english', language_override: 'language', textIndexVersion: 3}"), listed);

        // What mongodump saved creates the same index again (as a restore sends it).
        var dumped = new BsonDocument(listed);
        dumped.Remove("v");
        db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "b" }, { "indexes", new BsonArray { dumped } } });
        Assert.Equal(listed, db.GetCollection<BsonDocument>("b").Indexes.List().ToList()[1]);
    }

    [Fact]
    public void A_new_timeseries_collection_with_a_meta_field_has_its_meta_and_time_index()
    {
        var db = Database("ts");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'withMeta', timeseries: {timeField: 't', metaField: 'm'}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'noMeta', timeseries: {timeField: 't'}}"));

        Assert.Equal([BsonDocument.Parse("{v: 2, key: {m: 1, t: 1}, name: 'm_1_t_1'}")], db.GetCollection<BsonDocument>("withMeta").Indexes.List().ToList());
        Assert.Empty(db.GetCollection<BsonDocument>("noMeta").Indexes.List().ToList());
        // A restore sends the listed index again: it already exists, which is no error.
        var again = db.RunCommand<BsonDocument>(BsonDocument.Parse("{createIndexes: 'withMeta', indexes: [{key: {m: 1, t: 1}, name: 'm_1_t_1'}]}"));
        Assert.Equal("all indexes already exist", again["note"].AsString);
    }

    /// <summary>
    /// An index on a time-series collection is built on its buckets in the translated form, which the oplog logs on
    /// system.buckets.NAME; that form sent again to the buckets (as a replay builds it) is the same index. Unique and
    /// text indexes are refused, as MongoDB refuses them (timeseries_commands_conversion_helper.cpp).
    /// </summary>
    [Fact]
    public void A_timeseries_index_in_its_buckets_form_builds_on_the_buckets_and_unique_or_text_ones_are_refused()
    {
        var db = Database("tsform");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'w', timeseries: {timeField: 't', metaField: 'm'}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{createIndexes: 'w', indexes: [{key: {m: 1, v: 1}, name: 'mv'}]}"));
        var buckets = db.GetCollection<BsonDocument>("system.buckets.w").Indexes.List().ToList();
        var mv = buckets.Single(i => i["name"] == "mv");
        Assert.Equal(BsonDocument.Parse("{meta: 1, 'control.min.v': 1, 'control.max.v': 1}"), mv["key"]);

        var again = db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "system.buckets.w" }, { "indexes", new BsonArray(buckets.Where(i => i["name"] != "_id_")) } });
        Assert.Equal("all indexes already exist", again["note"].AsString);
        Assert.Equal(["m_1_t_1", "mv"], db.GetCollection<BsonDocument>("w").Indexes.List().ToList().Select(i => i["name"].AsString).Order());

        foreach (var refused in new[] { "{key: {v: 1}, name: 'u', unique: true}", "{key: {v: 'text'}, name: 'x'}" })
        {
            var error = Assert.Throws<MongoCommandException>(() =>
                db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "w" }, { "indexes", new BsonArray { BsonDocument.Parse(refused) } } }));
            Assert.Equal(72, error.Code);
            Assert.Contains("not supported on time-series collections", error.Message);
        }
    }

    [Theory]
    [InlineData("{key: {_id: 1}, name: '_id_', unique: true}", 197)]
    [InlineData("{key: {_id: 1}, name: '_id_1', sparse: true}", 197)]
    [InlineData("{key: {_id: 1}, name: '_id_', expireAfterSeconds: 10}", 197)]
    public void An_id_index_with_options_is_refused(string spec, int code)
    {
        var db = Database("ids");
        var error = Assert.Throws<MongoCommandException>(() =>
            db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray { BsonDocument.Parse(spec) } } }));
        Assert.Equal(code, error.Code);
        Assert.Contains("is not valid for an _id index specification", error.Message);
    }
}
