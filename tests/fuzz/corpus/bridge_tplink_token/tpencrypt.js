var rsaEncrypt = $.rsa.encryptOAEP;
var aesMode = "GCM";
