# netboot WireGuard client for router "home" (RouterOS 7). Paste into a terminal.
/interface wireguard
add name=wg-netboot mtu=1420 private-key="Z29sZGVuLXJvdXRlci1wcml2YXRlLWtleS0tLS0tLS0=" comment="netboot"
/interface wireguard peers
add interface=wg-netboot public-key="Z29sZGVuLXNlcnZlci1wdWJsaWMta2V5LS0tLS0tLS0=" endpoint-address=vpn.example.net endpoint-port=51820 allowed-address=192.0.2.1/32 persistent-keepalive=25s comment="netboot server"
/ip address
add address=192.0.2.2/32 interface=wg-netboot comment="netboot"
/ip route
add dst-address=192.0.2.1/32 gateway=wg-netboot comment="netboot: boot server through the tunnel"
/ip firewall mangle
add chain=forward out-interface=wg-netboot protocol=tcp tcp-flags=syn tcp-mss=1381-65535 action=change-mss new-mss=1380 passthrough=yes comment="netboot: MSS clamp into the tunnel"
add chain=forward in-interface=wg-netboot protocol=tcp tcp-flags=syn tcp-mss=1381-65535 action=change-mss new-mss=1380 passthrough=yes comment="netboot: MSS clamp from the tunnel"
