using Microsoft.Extensions.DependencyInjection;

namespace UserDisk.Server.Frontends.Iscsi;

public static class IscsiFrontendRegistration
{
    /// <summary>Adds the embedded iSCSI target as a hosted service (after the LUNs, so it stops before they close).</summary>
    public static IServiceCollection AddIscsiFrontend(this IServiceCollection services)
    {
        services.AddSingleton<IscsiFrontendService>();
        services.AddHostedService(provider => provider.GetRequiredService<IscsiFrontendService>());
        return services;
    }
}
