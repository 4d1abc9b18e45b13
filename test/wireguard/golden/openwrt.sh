# netboot WireGuard client for router "home" (OpenWrt 21.02+, packages wireguard-tools and kmod-wireguard).
# Run in a shell on the router. Change 'lan' below to the firewall zone of the Network Boot VLAN.
uci -q delete network.netboot
uci set network.netboot='interface'
uci set network.netboot.proto='wireguard'
uci set network.netboot.private_key='Z29sZGVuLXJvdXRlci1wcml2YXRlLWtleS0tLS0tLS0='
uci add_list network.netboot.addresses='192.0.2.2/32'
uci set network.netboot.mtu='1420'
uci -q delete network.netboot_server
uci set network.netboot_server='wireguard_netboot'
uci set network.netboot_server.description='netboot server'
uci set network.netboot_server.public_key='Z29sZGVuLXNlcnZlci1wdWJsaWMta2V5LS0tLS0tLS0='
uci set network.netboot_server.endpoint_host='vpn.example.net'
uci set network.netboot_server.endpoint_port='51820'
uci set network.netboot_server.persistent_keepalive='25'
# route_allowed_ips adds the route to the boot server through the tunnel.
uci set network.netboot_server.route_allowed_ips='1'
uci add_list network.netboot_server.allowed_ips='192.0.2.1/32'
uci -q delete firewall.netboot
uci set firewall.netboot='zone'
uci set firewall.netboot.name='netboot'
uci add_list firewall.netboot.network='netboot'
uci set firewall.netboot.input='REJECT'
uci set firewall.netboot.output='ACCEPT'
uci set firewall.netboot.forward='REJECT'
# mtu_fix clamps TCP MSS to the tunnel MTU: iPXE does no path-MTU discovery.
uci set firewall.netboot.mtu_fix='1'
uci -q delete firewall.netboot_from_lan
uci set firewall.netboot_from_lan='forwarding'
uci set firewall.netboot_from_lan.src='lan'
uci set firewall.netboot_from_lan.dest='netboot'
uci commit network
uci commit firewall
service network reload
service firewall restart
