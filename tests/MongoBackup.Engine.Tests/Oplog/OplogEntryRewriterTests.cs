using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// What the rewriter makes of each oplog form: only what the snapshot's scope and the restore's filters cover, under
/// the renamed names; index builds kept for after the replay; the forms mongorestore skips left out; the forms no
/// replay can apply refused by name and timestamp.
/// </summary>
public sealed class OplogEntryRewriterTests
{
    private readonly ReplayState _state = new();

    private OplogEntryRewriter Rewriter(SnapshotScope? scope = null, NamespaceFilter? filter = null, NamespaceMap? map = null) =>
        new(new ReplayCoverage(scope ?? SnapshotScope.Whole, filter ?? NamespaceFilter.Everything), map ?? NamespaceMap.Identity, _state);

    private static SnapshotScope ScopeOf(params string[] databases) => SnapshotScope.From(new NamespaceFilter(databases: databases));

    private static BsonDocument Entry(string op, string ns, BsonDocument o, BsonDocument? o2 = null)
    {
        var entry = new BsonDocument
        {
            { "op", op }, { "ns", ns }, { "ui", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "o", o },
            { "ts", new BsonTimestamp(1700000000, 7) }, { "t", 1L }, { "wall", new BsonDateTime(DateTime.UnixEpoch) },
        };
        if (o2 is not null) entry["o2"] = o2;
        return entry;
    }

    private static BsonDocument Command(string db, BsonDocument o) => Entry("c", db + ".$cmd", o);

    [Fact]
    public void Writes_outside_the_snapshot_scope_are_left_out_whatever_their_form()
    {
        _state.Holds("shop.orders");
        var rewriter = Rewriter(ScopeOf("shop"));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Command("prod", new BsonDocument("drop", "victim"))));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Entry("i", "prod.victim", new BsonDocument("_id", 1))));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Command("prod", new BsonDocument("dropDatabase", 1))));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Command("prod", new BsonDocument { { "createIndexes", "victim" }, { "v", 2 }, { "key", new BsonDocument("a", 1) }, { "name", "a_1" } })));
        Assert.Empty(_state.Indexes.Pending);
        Assert.Single(rewriter.Rewrite(Entry("i", "shop.orders", new BsonDocument("_id", 1))).Operations);
    }

    [Fact]
    public void Writes_the_restore_filters_leave_out_are_left_out()
    {
        _state.Holds("shop.audit");
        _state.Holds("shop.orders");
        var rewriter = Rewriter(filter: new NamespaceFilter(collections: ["orders"]));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Entry("i", "shop.audit", new BsonDocument("_id", 1))));
        Assert.Single(rewriter.Rewrite(Entry("i", "shop.orders", new BsonDocument("_id", 1))).Operations);
    }

    [Fact]
    public void A_non_transaction_applyOps_is_taken_apart_and_each_operation_judged_alone()
    {
        _state.Holds("shop.orders");
        var applyOps = Command("admin", new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "i" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", 1) } },
            new BsonDocument { { "op", "i" }, { "ns", "prod.victim" }, { "o", new BsonDocument("_id", 2) } },
        }));
        var rewritten = Rewriter(ScopeOf("shop"), map: new NamespaceMap().AddDatabaseRename("shop", "shop2")).Rewrite(applyOps);

        var only = Assert.Single(rewritten.Operations);
        Assert.Equal("shop2.orders", only["ns"].AsString);
        Assert.Equal(applyOps["ts"], only["ts"]);
    }

    [Fact]
    public void A_dropDatabase_drops_only_what_the_restore_holds_of_that_database()
    {
        _state.Holds("shop.a");
        _state.Holds("shop.b");
        _state.Holds("other.c");
        var rewritten = Rewriter(map: new NamespaceMap().AddDatabaseRename("shop", "shop2")).Rewrite(Command("shop", new BsonDocument("dropDatabase", 1)));

        Assert.Equal(["drop a on shop2.$cmd", "drop b on shop2.$cmd"], rewritten.Operations.Select(o => $"{o["o"].AsBsonDocument.GetElement(0).Name} {o["o"][0]} on {o["ns"]}"));
        Assert.Empty(_state.HeldIn("shop"));
        Assert.Equal(["other.c"], _state.HeldIn("other"));
        Assert.Equal(Rewritten.Nothing, Rewriter().Rewrite(Command("shop", new BsonDocument("dropDatabase", 1))));
    }

    [Fact]
    public void A_rename_within_what_the_restore_covers_maps_both_names_and_keeps_dropTarget_as_a_flag()
    {
        _state.Holds("shop.a");
        _state.Indexes.Add("shop.a", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("x", 1) }, { "name", "x_1" } });
        var rename = Command("shop", new BsonDocument
        {
            { "renameCollection", "shop.a" }, { "to", "shop.b" }, { "stayTemp", false },
            { "dropTarget", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "uuid", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
        });
        var sent = Assert.Single(Rewriter(map: new NamespaceMap().AddDatabaseRename("shop", "shop2")).Rewrite(rename).Operations);

        Assert.Equal("shop2.a", sent["o"]["renameCollection"].AsString);
        Assert.Equal("shop2.b", sent["o"]["to"].AsString);
        Assert.True(sent["o"]["dropTarget"].AsBoolean);
        Assert.False(sent["o"].AsBsonDocument.Contains("uuid"));
        Assert.False(sent.Contains("ui"));
        Assert.Single(_state.Indexes.Of("shop.b"));
        Assert.Empty(_state.Indexes.Of("shop.a"));
        Assert.True(_state.IsHeld("shop.b"));
        Assert.False(_state.IsHeld("shop.a"));
    }

    [Fact]
    public void A_rename_out_of_what_the_restore_covers_drops_the_restored_collection_and_writes_nothing_outside()
    {
        _state.Holds("shop.leaving");
        var rename = Command("shop", new BsonDocument { { "renameCollection", "shop.leaving" }, { "to", "prod.arrived" }, { "dropTarget", false } });
        var sent = Assert.Single(Rewriter(ScopeOf("shop"), map: new NamespaceMap().AddDatabaseRename("shop", "shop2")).Rewrite(rename).Operations);

        Assert.Equal("shop2.$cmd", sent["ns"].AsString);
        Assert.Equal(new BsonDocument("drop", "leaving"), sent["o"]);
        Assert.Empty(_state.HeldIn("shop"));
    }

    [Fact]
    public void A_rename_in_from_outside_fails_that_namespace_and_nothing_more_is_written_to_it()
    {
        var rewriter = Rewriter(ScopeOf("shop"));
        var rename = Command("prod", new BsonDocument { { "renameCollection", "prod.archive" }, { "to", "shop.archive" }, { "dropTarget", false } });

        Assert.Empty(rewriter.Rewrite(rename).Operations);
        var reason = Assert.Single(_state.Failed).Value;
        Assert.Contains("prod.archive", reason);
        Assert.Contains("the snapshot does not hold it", reason);
        Assert.True(_state.HasFailed("shop.archive"));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Entry("i", "shop.archive", new BsonDocument("_id", 1))));
        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(Command("shop", new BsonDocument { { "createIndexes", "archive" }, { "v", 2 }, { "key", new BsonDocument("a", 1) }, { "name", "a_1" } })));
        Assert.Empty(_state.Indexes.Of("shop.archive"));
    }

    [Fact]
    public void A_rename_in_of_a_collection_the_dump_already_holds_whole_is_kept_and_one_that_replaced_it_fails()
    {
        _state.Holds("shop.archive");
        var rewriter = Rewriter(ScopeOf("shop"));
        var rename = Command("prod", new BsonDocument { { "renameCollection", "prod.archive" }, { "to", "shop.archive" }, { "dropTarget", false } });

        Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(rename));
        Assert.Empty(_state.Failed);
        Assert.Single(rewriter.Rewrite(Entry("i", "shop.archive", new BsonDocument("_id", 1))).Operations);

        rename["o"]["dropTarget"] = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        rewriter.Rewrite(rename);
        Assert.True(_state.HasFailed("shop.archive"));
    }

    [Fact]
    public void Index_builds_and_index_changes_are_kept_for_after_the_replay()
    {
        _state.Holds("shop.a");
        var rewriter = Rewriter();
        var create = rewriter.Rewrite(Command("shop", new BsonDocument { { "createIndexes", "a" }, { "v", 2 }, { "key", new BsonDocument("x", 1) }, { "name", "x_1" } }));
        var commit = rewriter.Rewrite(Command("shop", new BsonDocument
        {
            { "commitIndexBuild", "a" }, { "indexBuildUUID", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
            { "indexes", new BsonArray { new BsonDocument { { "v", 2 }, { "key", new BsonDocument("y", 1) }, { "name", "y_1" }, { "unique", true } } } },
        }));
        var hide = rewriter.Rewrite(Command("shop", new BsonDocument { { "collMod", "a" }, { "index", new BsonDocument { { "name", "x_1" }, { "hidden", true } } } }));
        var both = rewriter.Rewrite(Command("shop", new BsonDocument
        {
            { "collMod", "a" }, { "index", new BsonDocument { { "name", "y_1" }, { "expireAfterSeconds", 60 } } }, { "validationLevel", "off" },
        }));

        Assert.Equal(Rewritten.RecordedOnly, create);
        Assert.Equal(Rewritten.RecordedOnly, commit);
        Assert.Equal(Rewritten.RecordedOnly, hide);
        Assert.Equal(new BsonDocument { { "collMod", "a" }, { "validationLevel", "off" } }, Assert.Single(both.Operations)["o"]);
        Assert.Equal(
            ["{ \"v\" : 2, \"key\" : { \"x\" : 1 }, \"name\" : \"x_1\", \"hidden\" : true }", "{ \"v\" : 2, \"key\" : { \"y\" : 1 }, \"name\" : \"y_1\", \"unique\" : true, \"expireAfterSeconds\" : 60 }"],
            _state.Indexes.Of("shop.a").Select(s => s.ToJson()));
        Assert.Equal(Rewritten.RecordedOnly, rewriter.Rewrite(Command("shop", new BsonDocument { { "dropIndexes", "a" }, { "index", "x_1" } })));
        Assert.Equal(["y_1"], _state.Indexes.Of("shop.a").Select(s => s["name"].AsString));
    }

    /// <summary>
    /// A time-series collection's indexes come in two forms, each kept to be built once where it was taken from: the
    /// user's spec on the measurements (a dump's metadata, listIndexes on the collection), built on the collection, which
    /// the server translates; and the buckets-level spec an index build on it logs on system.buckets.NAME (key on meta and
    /// control.min/max, the user's spec as originalSpec: mongo timeseries_commands_conversion_helper.cpp), built on the
    /// buckets as it is, never translated a second time (breaker8 finding 5).
    /// </summary>
    [Fact]
    public void A_time_series_index_build_logged_on_its_buckets_is_kept_to_build_there_as_it_is()
    {
        _state.Holds("shop.weather");
        _state.Indexes.Add("shop.weather", BsonDocument.Parse("{ v: 2, key: { sensor: 1, t: 1 }, name: 'sensor_1_t_1' }"));
        var bucketSpec = BsonDocument.Parse(
            "{ v: 2, key: { meta: 1, 'control.min.t': 1, 'control.max.t': 1 }, name: 'kt', originalSpec: { v: 2, key: { sensor: 1, t: 1 }, name: 'kt' } }");
        var commitSpec = BsonDocument.Parse("{ v: 2, key: { 'control.max.v': -1, 'control.min.v': -1 }, name: 'v_-1', originalSpec: { v: 2, key: { v: -1 }, name: 'v_-1' } }");
        var rewriter = Rewriter();

        Assert.Equal(Rewritten.RecordedOnly, rewriter.Rewrite(Command("shop", new BsonDocument { { "createIndexes", "system.buckets.weather" } }.AddRange(bucketSpec))));
        Assert.Equal(Rewritten.RecordedOnly, rewriter.Rewrite(Command("shop", new BsonDocument
        {
            { "commitIndexBuild", "system.buckets.weather" }, { "indexBuildUUID", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
            { "indexes", new BsonArray { commitSpec } },
        })));

        var pending = _state.Indexes.Pending.ToList();
        Assert.Equal([("shop.weather", false), ("shop.weather", true)], pending.Select(p => (p.Namespace, p.OnBuckets)));
        Assert.Equal(["sensor_1_t_1"], pending[0].Specs.Select(s => s["name"].AsString));
        Assert.Equal([bucketSpec, commitSpec], pending[1].Specs);
    }

    [Fact]
    public void A_create_follows_renames_in_its_view_source_and_drops_what_only_the_source_had()
    {
        var map = new NamespaceMap().Add("shop.items", "shop.items2").Add("shop.reds", "shop.reds2");
        var view = Assert.Single(Rewriter(map: map).Rewrite(Command("shop", new BsonDocument { { "create", "reds" }, { "viewOn", "items" }, { "pipeline", new BsonArray() } })).Operations);
        var collection = Assert.Single(Rewriter().Rewrite(Command("shop", new BsonDocument
        {
            { "create", "c" }, { "recordIdsReplicated", true }, { "idIndex", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" }, { "ns", "shop.c" } } },
        })).Operations);

        Assert.Equal(new BsonDocument { { "create", "reds2" }, { "viewOn", "items2" }, { "pipeline", new BsonArray() } }, view["o"]);
        Assert.Equal(new BsonDocument { { "create", "c" }, { "idIndex", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } } } }, collection["o"]);
    }

    [Fact]
    public void A_time_series_bucket_write_follows_its_collection()
    {
        _state.Holds("shop.weather");
        var sent = Assert.Single(Rewriter(filter: new NamespaceFilter(collections: ["weather"]), map: new NamespaceMap().Add("shop.weather", "shop.weather2"))
            .Rewrite(Entry("i", "shop.system.buckets.weather", new BsonDocument("_id", 1))).Operations);
        Assert.Equal("shop.system.buckets.weather2", sent["ns"].AsString);
    }

    /// <summary>
    /// A backup's oplog begins before it lists the catalog, so it may hold writes to a collection dropped before the
    /// listing (its drop comes later in the same oplog): the restore does not hold it, so nothing of it is sent. An
    /// insert or update would be refused by applyOps (NamespaceNotFound), and a drop, rename, collMod or index build
    /// would reach a collection of that name the target has of its own, which the restore was not told to touch.
    /// </summary>
    [Fact]
    public void Nothing_is_sent_for_a_collection_the_restore_does_not_hold()
    {
        _state.Holds("shop.kept");
        _state.Indexes.Add("shop.kept", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("x", 1) }, { "name", "x_1" } });
        var rewriter = Rewriter(ScopeOf("shop"));
        BsonDocument[] untouched =
        [
            Entry("i", "shop.gone", new BsonDocument("_id", 1)),
            Entry("u", "shop.gone", new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("u", new BsonDocument("a", 1)) } }, new BsonDocument("_id", 1)),
            Entry("d", "shop.gone", new BsonDocument("_id", 1)),
            Command("shop", new BsonDocument("drop", "gone")),
            Command("shop", new BsonDocument { { "collMod", "gone" }, { "validationLevel", "off" } }),
            Command("shop", new BsonDocument { { "createIndexes", "gone" }, { "v", 2 }, { "key", new BsonDocument("a", 1) }, { "name", "a_1" } }),
            Command("shop", new BsonDocument { { "renameCollection", "shop.gone" }, { "to", "shop.kept" }, { "dropTarget", true } }),
            Command("shop", new BsonDocument { { "renameCollection", "shop.gone" }, { "to", "prod.elsewhere" }, { "dropTarget", false } }),
        ];

        foreach (var entry in untouched) Assert.Equal(Rewritten.Nothing, rewriter.Rewrite(entry));
        Assert.Equal(["shop.kept"], _state.HeldIn("shop"));
        Assert.Equal(["x_1"], _state.Indexes.Of("shop.kept").Select(s => s["name"].AsString));
        Assert.Empty(_state.Indexes.Of("shop.gone"));
        var created = Assert.Single(rewriter.Rewrite(Command("shop", new BsonDocument("create", "gone"))).Operations);
        Assert.Equal("create", created["o"].AsBsonDocument.GetElement(0).Name);
        Assert.Single(rewriter.Rewrite(untouched[0]).Operations);
    }

    public static TheoryData<string, string, string> SkippedForms() => new()
    {
        { "n", "", "{ msg: 'periodic noop' }" },
        { "ci", "shop.orders", "{ _id: 1 }" }, { "cd", "shop.orders", "{ _id: 1 }" }, { "cu", "shop.orders", "{ _id: 1 }" },
        { "km", "shop.orders", "{ _id: 1 }" }, { "xi", "shop.orders", "{ _id: 1 }" }, { "xd", "shop.orders", "{ _id: 1 }" },
        { "c", "shop.$cmd", "{ startIndexBuild: 'orders', indexes: [] }" }, { "c", "shop.$cmd", "{ abortIndexBuild: 'orders', indexes: [] }" },
        { "c", "shop.$cmd", "{ setMultikeyMetadata: 'orders' }" }, { "c", "shop.$cmd", "{ dropIdent: 'collection-7' }" },
        { "c", "shop.$cmd", "{ dbCheck: 'orders' }" }, { "c", "shop.$cmd", "{ createDatabaseMetadata: 'shop' }" },
        { "c", "shop.$cmd", "{ dropDatabaseMetadata: 'shop' }" }, { "c", "shop.$cmd", "{ modifyCollectionShardingIndexCatalog: 'orders' }" },
        { "c", "shop.$cmd", "{ createGlobalIndex: 'g' }" }, { "c", "shop.$cmd", "{ dropGlobalIndex: 'g' }" },
        { "i", "config.system.sessions", "{ _id: 1 }" }, { "i", "config.system.indexBuilds", "{ _id: 1 }" }, { "u", "config.transactions", "{ _id: 1 }" },
        { "i", "local.replset.minvalid", "{ _id: 1 }" }, { "i", "__mdb_internal_x.y", "{ _id: 1 }" }, { "i", "admin.system.users", "{ _id: 1 }" },
        { "c", "config.$cmd", "{ create: 'cache.chunks.shop.orders' }" }, { "i", "shop.system.profile", "{ _id: 1 }" },
    };

    [Theory]
    [MemberData(nameof(SkippedForms))]
    public void The_forms_mongorestore_skips_change_nothing(string op, string ns, string o) =>
        Assert.Equal(Rewritten.Nothing, Rewriter().Rewrite(Entry(op, ns, BsonDocument.Parse(o))));

    [Theory]
    [InlineData("{ importCollection: 'shop.imported', collectionProperties: {} }", "importCollection")]
    [InlineData("{ upgradeDowngradeViewlessTimeseries: 'weather' }", "upgradeDowngradeViewlessTimeseries")]
    [InlineData("{ frobnicate: 'orders' }", "frobnicate")]
    [InlineData("{ commitTransaction: 1 }", "commitTransaction")]
    public void A_form_no_replay_can_apply_is_refused_naming_it_and_its_timestamp(string o, string form)
    {
        var error = Assert.Throws<MongoBackupException>(() => Rewriter().Rewrite(Command("shop", BsonDocument.Parse(o))));
        Assert.Equal(ErrorIds.OplogReplayFailed, error.ErrorId);
        Assert.Contains(form, error.Message);
        Assert.Contains("Timestamp(1700000000, 7)", error.Message);
    }

    [Fact]
    public void An_unreplayable_form_outside_the_restore_changes_nothing_restored_and_is_left_out()
    {
        var import = Command("prod", BsonDocument.Parse("{ importCollection: 'prod.imported', collectionProperties: {} }"));
        Assert.Equal(Rewritten.Nothing, Rewriter(ScopeOf("shop")).Rewrite(import));
    }

    [Fact]
    public void An_unknown_operation_type_is_refused()
    {
        var error = Assert.Throws<MongoBackupException>(() => Rewriter().Rewrite(Entry("zz", "shop.orders", new BsonDocument())));
        Assert.Contains("'zz'", error.Message);
    }

    [Fact]
    public void A_reshardCollection_no_op_fails_its_collection_into_a_cluster_and_is_left_out_into_a_replica_set()
    {
        // The form notifyChangeStreamsOnReshardCollectionComplete writes (change_stream_oplog_notification.cpp).
        var reshard = Entry("n", "shop.orders", new BsonDocument("msg", "Reshard collection shop.orders with shard key { region: 1 }"), new BsonDocument
        {
            { "reshardCollection", "shop.orders" }, { "reshardUUID", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
            { "shardKey", new BsonDocument("region", 1) }, { "oldShardKey", new BsonDocument("_id", 1) }, { "unique", false },
        });
        _state.Holds("shop.orders");
        Assert.Equal(Rewritten.Nothing, Rewriter().Rewrite(reshard));
        Assert.False(_state.HasFailed("shop.orders"));

        var sharded = new OplogEntryRewriter(new ReplayCoverage(SnapshotScope.Whole, NamespaceFilter.Everything), NamespaceMap.Identity, _state, shardedTarget: true);
        Assert.Equal(Rewritten.Nothing, sharded.Rewrite(reshard));
        var why = _state.Failed["shop.orders"];
        Assert.Contains("Timestamp(1700000000, 7)", why);
        Assert.Contains("reshardCollection", why);
        Assert.Contains("{ \"region\" : 1 }", why);
    }

    /// <summary>
    /// The key index built before a replayed shardCollection is one mongod takes for a shard key: an index that merely begins
    /// with the key but is sparse, partial, hidden or of another collation is refused for sharding (shard_key_index_util.cpp
    /// isCompatibleWithShardKey), so the replay passes over it to one that serves, and builds a plain one on the key when the
    /// replay holds none.
    /// </summary>
    [Fact]
    public void A_replayed_shardCollection_builds_a_key_index_mongod_takes_for_a_shard_key_never_a_sparse_or_partial_one()
    {
        var shard = Entry("n", "shop.orders", new BsonDocument("msg", new BsonDocument("shardCollection", "shop.orders")), new BsonDocument
        {
            { "shardCollection", "shop.orders" }, { "shardKey", new BsonDocument("region", 1) }, { "unique", false },
            { "numInitialChunks", 0L }, { "presplitHashedZones", false },
        });
        static BsonDocument Spec(string name, BsonDocument key, BsonDocument? options = null) =>
            new BsonDocument { { "v", 2 }, { "key", key }, { "name", name } }.AddRange(options ?? []);
        _state.Holds("shop.orders");
        _state.Indexes.Add("shop.orders", Spec("region_sparse", new BsonDocument("region", 1), new BsonDocument("sparse", true)));
        _state.Indexes.Add("shop.orders", Spec("region_open", new BsonDocument { { "region", 1 }, { "day", 1 } }, new BsonDocument("partialFilterExpression", new BsonDocument("open", true))));
        _state.Indexes.Add("shop.orders", Spec("region_fr", new BsonDocument { { "region", 1 }, { "at", 1 } }, new BsonDocument("collation", new BsonDocument { { "locale", "fr" }, { "version", "57.1" } })));
        BsonDocument Built() =>
            new OplogEntryRewriter(new ReplayCoverage(SnapshotScope.Whole, NamespaceFilter.Everything), NamespaceMap.Identity, _state, shardedTarget: true)
                .Rewrite(shard).Operations[0]["o"]["indexes"][0].AsBsonDocument;

        Assert.Equal(("region_1", new BsonDocument("region", 1)), (Built()["name"].AsString, Built()["key"].AsBsonDocument));
        Assert.False(Built().Contains("sparse") || Built().Contains("partialFilterExpression") || Built().Contains("collation"));

        _state.Indexes.Add("shop.orders", Spec("region_day", new BsonDocument { { "region", 1 }, { "day", -1 } }));
        Assert.Equal("region_day", Built()["name"].AsString);
    }
}
