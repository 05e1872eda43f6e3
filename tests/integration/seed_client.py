# seed_client.py: the seed's socket-client.py: a UDP socket connected to
# 127.0.0.1:8097 that only sends what is typed.
from socket import *

udpSocket=socket(AF_INET,SOCK_DGRAM)

udpSocket.connect(('127.0.0.1',8097))
while True:
    try:
        input_text=input("请输入----")
    except EOFError:
        break
    udpSocket.send(input_text.encode())
