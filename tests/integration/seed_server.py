# seed_server.py: the seed's socket-server.py, an echo server; the port is
# an argument here (0 picks one, printed first) so tests can run side by side.
import sys
from socket import *

udpSocket=socket(AF_INET,SOCK_DGRAM)
ip_port=("127.0.0.1",int(sys.argv[1]) if len(sys.argv) > 1 else 8097)
udpSocket.bind(ip_port)
print(udpSocket.getsockname()[1], flush=True)
while True:
    recvInfo= udpSocket.recvfrom(1024)
    print("{}:{}".format(str(recvInfo[1]),recvInfo[0].decode()), flush=True)
    udpSocket.sendto(recvInfo[0],recvInfo[1])
