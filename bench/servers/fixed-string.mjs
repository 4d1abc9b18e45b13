// The reference for /ipxe: a bare node:http server answering a fixed iPXE script.
import http from "node:http";

const port = Number(process.argv[2]);
const BODY = Buffer.from(
  "#!ipxe\nkernel /assets/vmlinuz initrd=initrd.img coreos.live.rootfs_url=http://netboot.example/assets/rootfs.img ignition.firstboot ignition.platform.id=metal ignition.config.url=http://netboot.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}&p=1\ninitrd /assets/initrd.img\nboot\n",
);
http
  .createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": BODY.length });
    response.end(BODY);
  })
  .listen(port, "127.0.0.1");
