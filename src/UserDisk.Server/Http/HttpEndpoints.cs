using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using UserDisk.Server.Hosting;
using UserDisk.Server.Inventory;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Http;

/// <summary>
/// The HTTP surface of <c>userdisk serve</c>: <c>/metrics</c> (Prometheus text format 0.0.4), <c>/healthz</c>
/// (liveness: 200 while the process runs) and <c>/readyz</c> (200 once backstores are open and the front end
/// listens; 503 before that and from the moment shutdown begins); with inventory projection, <c>GET /inventory</c>
/// (projected images and their devices, JSON) and <c>POST /inventory/reconcile</c> (list the source now).
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
}
