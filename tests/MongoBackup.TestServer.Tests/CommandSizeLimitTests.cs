using System.Net.Sockets;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A command body may be 16 MiB + 16 KiB (16,793,600 bytes), the limit MongoDB reads messages with; one byte more is
/// refused with BSONObjectTooLarge (10334) and the connection stays usable. applyOps, which is what a replay sends, is
/// bound by it like any command. Runs against MONGOBACKUP_TEST_URI when set (its frames are sent on a plain socket, with
/// no authentication).
/// </summary>
public class CommandSizeLimitTests : ServerTestBase
{
    private const int Limit = 16 * 1024 * 1024 + 16 * 1024;

    /// <summary>An applyOps of one no-op whose message pads the body (with $db) to exactly <paramref name="size"/> bytes.</summary>
    private static BsonDocument ApplyOpsOfSize(int size)
    {
        BsonDocument Body(int padding) => new()
        {
            { "applyOps", new BsonArray { new BsonDocument { { "op", "n" }, { "ns", "" }, { "o", new BsonDocument("msg", new string('x', padding)) } } } },
            { "$db", "admin" },
        };
        var body = Body(size - Body(0).ToBson().Length);
        Assert.Equal(size, body.ToBson().Length);
        return body;
    }

    [Fact]
    public void A_body_at_the_limit_is_read_and_one_byte_more_is_refused_with_BSONObjectTooLarge()
    {
        var primary = Target.PrimaryEndPoint();
        using var client = new TcpClient(primary.Host, primary.Port);
        var stream = client.GetStream();

        stream.Write(WireProtocolTests.OpMsg(1, 0, ApplyOpsOfSize(Limit)));
        var accepted = WireProtocolTests.ReadReply(stream).Body;
        Assert.Equal(1.0, accepted["ok"].ToDouble());

        stream.Write(WireProtocolTests.OpMsg(2, 0, ApplyOpsOfSize(Limit + 1)));
        var (responseTo, _, refused) = WireProtocolTests.ReadReply(stream);
        Assert.Equal(2, responseTo);
        Assert.Equal(0.0, refused["ok"].ToDouble());
        Assert.Equal((10334, "BSONObjectTooLarge"), (refused["code"].AsInt32, refused["codeName"].AsString));
        Assert.StartsWith("BSONObj size: 16793601 (0x1004001) is invalid. Size must be between 0 and 16793600(16MB) First element: applyOps:",
            refused["errmsg"].AsString);

        stream.Write(WireProtocolTests.OpMsg(3, 0, new BsonDocument { { "ping", 1 }, { "$db", "admin" } }));
        Assert.Equal(1.0, WireProtocolTests.ReadReply(stream).Body["ok"].ToDouble()); // the connection still serves
    }

    [Fact]
    public void An_applyOps_over_the_limit_sent_by_the_driver_is_refused()
    {
        var command = ApplyOpsOfSize(Limit + 1 + 200);
        command.Remove("$db");
        var error = Assert.ThrowsAny<Exception>(() => Target.Admin.RunCommand<BsonDocument>(command));
        var refusal = Assert.IsType<MongoCommandException>(error);
        Assert.Equal(10334, refusal.Code);
    }
}
