# seed_chat.py: the seed tutorial's "imitate QQ" UDP chat (模仿QQ-多线程),
# the program uvqq replaces, copied for the benchmark only. Two changes
# so a benchmark can drive it without a person: the three answers may
# come from argv (port, peer ip, peer port) instead of input(), and every
# print is flushed, as it is on the terminal the tutorial runs it in
# (a pipe would otherwise hold lines back in a block buffer).
from threading import Thread
from socket import *
import functools
import sys

print = functools.partial(print, flush=True)

udpSocket=None
desIp=""
desPort=0
port=0
# 收数据,然后打印
def recvData():
    while True:
        recvInfo = udpSocket.recvfrom(1024)
        # 第一个值是发送过来的ip:port,第二个值是发送过来的消息
        print("{}<<:{}".format(recvInfo[1], recvInfo[0].decode()))

def sendData():
    while True:
        sendInfo=input(">>")
        udpSocket.sendto(sendInfo.encode(),(desIp,desPort))

def main():
    global udpSocket
    global desIp
    global desPort
    udpSocket = socket(AF_INET, SOCK_DGRAM)

    args = sys.argv[1:4]
    port=int(args[0] if args else input("请输入本机的端口"))
    desIp=args[1] if args else input("请输入对方的ip")
    desPort=int(args[2] if args else input("请输入对方的端口"))
    ip_port = ("127.0.0.1", port)
    udpSocket.bind(ip_port)

    tr=Thread(target=recvData)
    ts=Thread(target=sendData)
    tr.start()
    ts.start()

    # 等待线程结束
    tr.join()
    ts.join()

if __name__ == '__main__':
    main()
