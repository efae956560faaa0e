using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using UserDisk.Scst;

namespace UserDisk.Server.Frontends.Scst;

public static class ScstFrontendRegistration
{
    /// <summary>Adds the scst_user front end as a hosted service (after the LUNs, so it stops before they close).</summary>
    public static IServiceCollection AddScstFrontend(this IServiceCollection services)
    {
        services.AddSingleton(provider => new ScstMetrics(provider.GetRequiredService<IMeterFactory>()));
        services.AddSingleton<ScstFrontendService>();
        services.AddHostedService(provider => provider.GetRequiredService<ScstFrontendService>());
        return services;
    }
}
