using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using UserDisk.Server.Events;
using UserDisk.Server.Hosting;
using UserDisk.Server.Inventory;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Http;

/// <summary>
/// The HTTP surface of <c>userdisk serve</c>: <c>/metrics</c> (Prometheus text format 0.0.4), <c>/healthz</c>
/// (liveness: 200 while the process runs) and <c>/readyz</c> (200 once backstores are open and the front end
/// listens; 503 before that and from the moment shutdown begins); with inventory projection, <c>GET /inventory</c>
/// (projected images and their devices, JSON) and <c>POST /inventory/reconcile</c> (list the source now); and
/// <c>/events</c>, the lifecycle event stream (server-sent events or NDJSON).
/// </summary>
public static class HttpEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Scrape(), PrometheusText.ContentType));
        endpoints.MapGet("/healthz", () => Results.Text("ok", "text/plain; charset=utf-8"));
        endpoints.MapGet("/readyz", (Readiness readiness) => Results.Text(
            readiness.Describe(),
            "text/plain; charset=utf-8",
            statusCode: readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable));
        endpoints.MapGet("/events", StreamEventsAsync);
        endpoints.MapGet("/inventory", (IServiceProvider services) => services.GetService(typeof(InventoryService)) is InventoryService inventory
            ? Results.Json(inventory.Projected)
            : Results.NotFound("inventory projection is not configured (UserDisk:Inventory)"));
        endpoints.MapPost("/inventory/reconcile", (IServiceProvider services) =>
        {
            if (services.GetService(typeof(InventoryService)) is not InventoryService inventory)
            {
                return Results.NotFound("inventory projection is not configured (UserDisk:Inventory)");
            }

            inventory.RequestReconcile();
            return Results.Accepted();
        });
    }

    /// <summary>
    /// <c>GET /events</c>: the recent events (unless <c>?replay=false</c>), then each new one as it happens — as
    /// server-sent events when the client accepts <c>text/event-stream</c> (or asks <c>?format=sse</c>), else as
    /// NDJSON. The stream ends when the client goes or the server stops.
    /// </summary>
    private static async Task StreamEventsAsync(HttpContext context, [FromServices] EventHub hub, [FromServices] IHostApplicationLifetime lifetime)
    {
        bool sse = context.Request.Query["format"] == "sse"
            || context.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));
        bool replay = context.Request.Query["replay"] != "false";
        var response = context.Response;
        response.ContentType = sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        using var subscription = hub.Subscribe(replay);
        await response.StartAsync(stop.Token).ConfigureAwait(false);

        // Headers go out now, so a subscriber knows it is connected before the first event.
        await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                string json = EventHub.ToJson(e);
                string text = sse ? $"id: {e.Sequence}\nevent: {e.Type}\ndata: {json}\n\n" : json + "\n";
                await response.WriteAsync(text, stop.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
