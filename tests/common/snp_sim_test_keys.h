/*
 * Fixed private keys of a simulated SEV-SNP platform for the tests, so that
 * no test waits for RSA-4096 key generation (minutes under valgrind). They
 * are test data, never secrets: made once with
 *
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096   (ARK, ASK, ASVK)
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 (VCEK, VLEK)
 *
 * in the role order of snp_sim_role. A second, unrelated platform for broken
 * chains is made by taking the same keys in another order
 * (snp_test_keys_rotated).
 */
#ifndef CONFAI_TESTS_SNP_SIM_TEST_KEYS_H
#define CONFAI_TESTS_SNP_SIM_TEST_KEYS_H

/* Not every includer uses every key. */
#if defined(__GNUC__) || defined(__clang__)
#  define SNP_TEST_KEY_UNUSED __attribute__((unused))
#else
#  define SNP_TEST_KEY_UNUSED
#endif

SNP_TEST_KEY_UNUSED static const char snp_test_key_ark[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIJQQIBADANBgkqhkiG9w0BAQEFAASCCSswggknAgEAAoICAQCq4BRVNA3gqfLP\n"
    "+m/07ggV6bePfNl1giOJ48Gb+xsrzvsJ448Tz3K2v5OIMFfpHWNotg1piPKn1pLy\n"
    "iuTl6YRsWBIHRY5JfDaLE5vnqBMiAFRGlTUtdgX2QeHEzglS8G32ex7xuAmsABrX\n"
    "lnlOR/lAAggHq5G5zuSLNkEJHdfk4Se9Zxfydi3XU3xNn5Bf61Yz17oYf11I0g5I\n"
    "62VHemWIzPFQ6QrET/SmXKusJ+8Z63nyqHj6Ku4o4/FBZLkAk1Ph1S77ns8Y9tNw\n"
    "mUjqkq7T4szh3NMWV2e1RqBnveckipYw/bdb1AmDdT0IQzCoukV2NIMawp8ROtcz\n"
    "zIKG9T+S8jNYWetM9fsQsWEInXJyOIHszlbVwwYiyh6lr98/5SdqA4gGj1RFnIWG\n"
    "iS5/mmgNDWmj9U27OEG4iajnu9WHndblqdOJgpdPh7G2yhR3MvclWpqC6Qi6oMn8\n"
    "ntKsRhS5YOFOd+1s3A+QBMh35l+W/9+oKMoYWaX4E/SmX2Ni6jlOHFBoPbihOnCJ\n"
    "o24Wf3Eg+vsMqT82vC8Ld8wO/CABvbPXIPSHqDWD6VfF+NTLve7hWK7cgMZ2Q23W\n"
    "RShUy0Fht2/TN8q396qHA0oT3oQpWUoDCkfk4mqppsyV1NTYKj6ZZBdSfQGYGyFS\n"
    "0/2lSMmDiV0/Tmv/5BEM8H6dCOrdkwIDAQABAoICAEvfFjgk1lqgq2dMeGSlQmLU\n"
    "dURZd8cU40nJHsDvFMf1bgMcjv2JWZKqaswIRyiDe43VdAwdmj0K6hGWuX8amklv\n"
    "K4YeDMk1RZSoPsv0FZa91a3Hd6a5ZnlLFH+JypsQlYrhbUJ/6I9+Nmzua+tlytbw\n"
    "b/dT52883b6wdt0g6qk+jiIrwfbPIZigAawHwxfMC2kWixNwjg+U8XHQT5aW0rmU\n"
    "4jt+VmEHbYZm1HUrACAerfWgd6MA5+GxIIDcQ8btI8w9F9Dy2Vro0caH0VgSjF0Z\n"
    "scZCAlpDshFMDFI0AIt5m6miJkW4VwcPSeu+xb7NgqUzONlrfCyu1zoxPu3EvJZ7\n"
    "0LtEtTTX6wRikvq9PG+aQoek3N0ZaByPJwemJXO9Jm4+gWwdax10OVMcva7wLb17\n"
    "1Rb4VrBrdv3IaJaawrmeuBmdS+0XSEKPt/wYLA2A/Cgv5AgdVxSoXbw4ZM6YX2oh\n"
    "TpTvvdVWs4Q7CgRQwAKS8CsUxFe1rYFMsch1rUohrS6rvIMSLtfJpbggFdp7o6u1\n"
    "Yjxg+QWBb2s59Z1MpuoOwGDxU2G5Q4jDsOtnMjr2LV/qknpnb2XozIinqR2xf8il\n"
    "wo1uEvw25CP+dbapWr0lCjGV+1377Wiu9vnuRAuwCXmIKX7yTXjDn/7Nlp1E849L\n"
    "GP59WdryeH/Kr9H4Tn29AoIBAQDvi6hcb8wXYLrkmXb/MyzQ0zICJ9GoVk3fOdV1\n"
    "yxFJHz3N9HFeVr5Eqs+TbTYBT7lBuIVxG9wx/jqNBgk+sWUtV/jLuejfTwdQyfCm\n"
    "kskosUd4KOPvPZ2svn+mRzfsMRxpY9iAOvdzxILls788HjjKSl1EYc6Z7fiMUN/J\n"
    "QJXkfsmJLUMhMt/NN/Tz8B5iRO5+mX+orjWc4kZJp+0BsUBWe6I/HV8j9bZahOYz\n"
    "ulCMskXa9TTjAG6tSajbeKk59Q2SDurzi9vvEkFp6N2ddTW50d3ysb46WaosjNBQ\n"
    "uU3uFV+37T38S5I3Zmfnb+DaRNnOQp01yducIiuiYPmtr009AoIBAQC2nN/tgI6b\n"
    "CAA7LwqF+lzLqxIgPiXcpU0wXJid7/ASgCpxCoOIMCwLj5K37/7np32MKSlXm7Ff\n"
    "lr6CBOcf86cxVlplaZ+NzOeAG69IG1sQDSg8QSx06m1usd5HHlYFP80VCwfmgk4q\n"
    "kUXQ1s1XTCD3dmwbfROYqAkVAkWL6UI9QCkZnx6hYtEjjlBAkxmWj+9IMyNF8HBU\n"
    "ooIfhFEcxXuaaGWj1oG/U28iJvaW4XbAHeY0GcZ+9l9rAzbEZNK7iyHOkGO8rIZ/\n"
    "XYu7LFIlTJBzpp/2wmpZlNE3rqIHk39TU9tc+EyNhDCFW66ZeerPTwlKkK0Lw54b\n"
    "46//m1WBziMPAoIBAB81GJgCUJpzFaYWgDQ7HImQGiHBwkSmCbsdM7wG2pemJE0i\n"
    "nWpm7p7Pif9w6Oo+0qnHOktED+nLbyFUOfwa7E19+oHAFKCTESbrSBjLYr2UavUy\n"
    "jo9qfZI1tzeYa6avtz3brib2h6pjXZJDWpSgc1GXYpM4Esxm/kx5dM4pRd3gzqy6\n"
    "YtZ+ZD2+HoFxNOQkitWfdcwp9f4cVH/gCrZ/uxwJO1fxoaVzq3AbhEoU6c2KpCMk\n"
    "cuFn+wNEZ2VAUPul+0CeBOn5vItm23LKzaRn0roEp1+o3FmJuOvY5IK/wXFVA4VY\n"
    "uQyXY9Mn2j2Ci86jzaRbdVO+moe6w+iBrcV84xkCggEAKu1pvn0QCOWymDcQtDoM\n"
    "glwuoKG7aMj7AjliLw5uUwsJ7xTXorYgRH91sAOc2nwHCWHLtCqHYb8f/ZSFeH9g\n"
    "eDqieWCA/2aBrR3U8JBtsbJGGRQBDWLmYrUxWWqKMiWzYhT7wHY1RdBspxE3qCPf\n"
    "RAz0kOmwJ5yoteWYz7D/v0JL5xf+rVV7cG5N80AhLcGcME7FJfXFkj+5cws5vhe2\n"
    "XK/Z5M/SJFXKtC6QnRtXPQZKTUkZ3lKwT4mr4DMLTscAJXzP1VSBMYOeC1v524bK\n"
    "FkW/KNS/B1vyarKEqF9F+SKnWI2OAV5nwZGx06ZTSnR77Klh5HgRvOCjSOUNDryU\n"
    "hQKCAQAoaU0iyu4BsMMyCIYEFGrIogeDx6W+7sc6XA6NvlHBG78I9GxDUdgzhrEH\n"
    "OdV09U/Um7k5+GYKePB9+WnzPZZ/b9Mx8oTn4aeqFaHxBnLXApX7bGgS+Owvemzg\n"
    "64P4w0UhobZC/T/EGdWYS4/EDt2IudqUFTEQKPcY357Jr7hMX/qGz37m6YoEZ1Bg\n"
    "ykXPoYIUjOujCmRVl6gAL62PA2+jpdLPou9QlqXVUBBqfVUHoBlWSP8of0e10/Xa\n"
    "T5QQeeyR+Q2eBmOTkmUMOlbfmBiE507JM5PxOGzfAMR1xWICbKGxfh7KWUMPjZF0\n"
    "ksRIPXbX1Q2MKiKlxnu1my7xkrFY\n"
    "-----END PRIVATE KEY-----\n"
    ;

SNP_TEST_KEY_UNUSED static const char snp_test_key_ask[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQDVScUVAPtDbDya\n"
    "xBx1gzhU2Mu/r3bycgojWOfI55bF1ZR1o0qTtriDwVaxx2J1xUzHmHy/pz0OBaAI\n"
    "lsca5XGIVlhpGlJheXonLyu3OyEp26UUKV2F1/A8rfUaa6uf0mz/ntAYSomJuKMQ\n"
    "5GVV39g8VDd3O5hYtzg47+nQW4BLMfzQyb6CrDiJrsTw8J6eU4SYEBNCauToRpN6\n"
    "x0V7VvmrQjXZtkobCRJKoDKoV5DnyyEHQDKg+Fsi5OhybYLEf2wJnBNTXKLbesJj\n"
    "3F5gTBG2ea4Xiy5niD6uD7OG2cpjK1nwot06pL2/gIW7El77LGGAiSxPZNhMIquj\n"
    "pKwq7YgLZ4E57UdwD6ejLG8D/+OBOQ8Kdppc4dJOSw3MWrYclfDu9kOChDd9nWku\n"
    "9ec9ix8QThHoDBoWyrhgD5QWme9E7EXSyoeriE3eLk2nijkunJXQ+89Rj6Sw+jLd\n"
    "1+WEzQk0hmgPYt6q+UWagLN7ne3p8uIYsAmr72rSvdJXTRr6lBVtXR34bJzNtQxg\n"
    "A/eiVQ8y5/DCG8sMH2gWkg9AuqvMPXc2X5SiGhw0ltgwqQUZWktOV2Fwc8XmXGWX\n"
    "fotWnjQruDtp+Zyf27IqFknXbtHuqZ/KDb9qgjZDmkE7r561sPmiqiqbwiFSAQd0\n"
    "7bQBm2LX+NaHHlxWADUMGYpzBxrWhQIDAQABAoICACWvzz8S2VLkgSDnng+1i/KS\n"
    "DA5mtqHIPLpaLzp0kVOLlZvjqn3HP3soYmUvUdp1bkemTgSfTE559/kMi0nZWOI6\n"
    "P4zytbO7fzYFQ7gwnn+C6/xQAtJvgWd3ZWOxurWWvOO98A8avIq1MTr+4Fj4IIEo\n"
    "cFSFFzo1xZ1p5uqGAHlI798EhsEYJTVOyEW6foyDPV6RGJYXxTK1pcGADGrqx1rX\n"
    "bCR37UgxpiXBgLH2JwiN/9wEH+4JdDEKOXhemUiXK0PXbCLCr5QQcOCsQ5DIYCjZ\n"
    "/0TxttVcYZbn91TQjs5PDqlSXbzK9ywrTXXsnRPMl73afxXYP8/UIHfd1P4Q0oS+\n"
    "ri5siax7q5zimAGejNXSREGcDY6rejV217q4COmztdLZ2jBFmVf//El1S65UZhQS\n"
    "NLZaQRI5Fo4edRpEa6+PFCQawUGhk9swGsQ3riT1vVQzb8eMqI6Oi8ZH4nMB78gS\n"
    "n9Ry4afqDmTBlshvcIZadBhJf+FiADZZIcdfMHRptkXTxXB2JMrI5EkROM3XNTmt\n"
    "bz5ZP9itNkWjcC4z+z8Kv9yv0Q+CWSRsIjgE2cVHjwrQ+t2XHbkoZy5LGApvH2SS\n"
    "WYMywNGF6+/MNMn98Vkx3DsWfHVOeP/cT5LF3YixKk++bfs9Evywg20UXY08RUrF\n"
    "LcTGaP4DaOOA+Cf/lmwBAoIBAQD04EYV3BXlJveI0BDinneimrAzYv5B3RT+l0u/\n"
    "fR7nmv6LbMiT1IVDFLb+KmzFecoVAALrAuIIigyoYYLvEovNv1t2uAaPe3eKL0O0\n"
    "m08fogNZ6LIGIqP4FlKhRBbFAwGGmzghTFsbv4oz9CUAaCplk8DT9P82IbJJboqZ\n"
    "RDySMP4HcRBHlLZjJr50b72sbbjs9jAkjitMRPymoehcBRkmNE6zwBoHqQfyAZ1O\n"
    "X31uBY7xyfoMxGaiQa3Gq38S6wUSNiCRvM9rmlZmV1RaZKqT8H/XNQwb19XftdQd\n"
    "C4yBKQNHZ4zZZrgj7QjrDVvX9kebGTdN6oNUGhsToDeXRllBAoIBAQDe+ib7Oww7\n"
    "IAGK7f/35g6l4i7tBF/tqr8RRyigGCVIegy4uJ0dtvEShRKBZTD69Xfp0iA44/7b\n"
    "oZC//y8XO24oyiHA0Cqc6Xa8ZK7xxeq4l0Oq1SMFN4Xo255/kVw/rCJ/lMw7KH1p\n"
    "iwq6rIv6Fe9qDrPg2ijsie/gtjQkaXQfMO+Cs59J94jTHIB0hNGld86iy56ZodIf\n"
    "TBGoclltYvwtTeHuM4S5kKXweXULMt7Vc2me8ceJJ4Rd5u0d3ntU80s4JYdjXTMQ\n"
    "NFnrF8e6a97DajTXfXZ53EyKAomskOTFonFi/TUK5sa1OC/iOmA36q8VqJOL36Q9\n"
    "EEQEJ2c26shFAoIBAFPtolfPrPlzV5feqErjwWFL32RdY4OzgISZ2m5xNexvpRqo\n"
    "WD7CskIBkY6ff9RXH7n+3QErZclDd38mnLfQBXapRXH1NNpsmNYVyQDX0lCnOLrS\n"
    "FGIh8U0QaZW4Po2bsCQwgxZ2kyt5hKa14RC4ov9ZmteKuwYUmoSsjHhneNMqU4a9\n"
    "a7T89V4aY2CJA9tbZ+xfnLSKvbBQXL/H8lnHrYz4lJjrGIDToFOD1iSMefMBmLKq\n"
    "ZTeHAR5PoH3dPZqATqalQphwvC7HISHGgLTSl9xIq6hZGCNa4ITiTyb9VFTYd7U7\n"
    "enzwxeAaV9ooI/hrArPX+qqL3CMxJ2KcoTEJ/YECggEAeje/OiGJeLb4YYBGt0iA\n"
    "auhpND0bn5fhlsTcPbQ+a1WKt41pgSoPRUlvdUFT8ZqumZk1VDmULiqGvtZOp3tJ\n"
    "zE3O5nKziMJm9KhzQ85p87flvTOKOIfQfGw0mlPArp3ZYvjaYOq2oy01OlDtgKyZ\n"
    "SBa6/dpWaCDLPO5h8jtjDN2zyn5OJyro8l5DAprylrHur0jQrAEIvWLiouPapJyH\n"
    "AQYZeoj+jP/+FKtePj8p6PGTyS1ZY5IneZjkC2UxUMTyS9o2NX6WSKGJT9T/Au2x\n"
    "coc6Y4s/b1gTE+qEL/RTkQiTAeEsO8d2z0n25Rd+OegHA+YcyaRRz66kuWonpvBV\n"
    "yQKCAQEA2WHLkgTJSiILHnXTsnWTAYAKW1lEvJEViXdTcsqPg1SxUG2dFj1KEWwW\n"
    "LmwhbXyr5DmgErYJPlAQifVYCq9Y8bp+GsWeYqe8znO2Z3pF04w9ev9w76/uUOsj\n"
    "Cj4Jg3FtCs0O2j5xShdVJsoMK/d5X6kQ5hWFWyQpfJkZ7upoFHmp7AOQpjP0Y6Bp\n"
    "2mIfLBcznOmN3KR3HZpzSE0FTStyvcH+NRsVTSG98w/dRo1qJJ61mqiaq2n2O61H\n"
    "KN8ktxVxkcy4mq4BtRUui6yLfqTLBYa+e9aWrCpQWsWzKZjwuUf+B/hLYeWYGcGa\n"
    "IrgMIkRV7QiK6PcpmVaGdAf9LJZBTg==\n"
    "-----END PRIVATE KEY-----\n"
    ;

SNP_TEST_KEY_UNUSED static const char snp_test_key_asvk[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQC2Empbf5ORJ8Mj\n"
    "HPHeQddXBxc+XsKjX2ncDhQmJ+5Mvtog3pGdvpftMOQuH5xhcVYcPvxaMRf3oSkj\n"
    "YJ81GqhxNfFdyN5UIg34H6op18OEtUivExn+M2Nf/IP5NVBok/mF0G8R4uXvSW6k\n"
    "8nAzwTZI32L+7YTUZrn+BOy8S8yVGd6z8gyRkkMFYrVQG+oyALFGrZMLoaEpFK/0\n"
    "cJGHivLrYmA1nvwsoVBH6RADC2idmsHBlWP8AfQ0wbbt5stutuXRPrI+pXcs8pxW\n"
    "dMCyn98xWfmmmG8oivTjc/e9f8GYzWvhvhsG3A93EDXAMZESw4cOGpvBXJJfzY92\n"
    "ywubPvf/6dWDsXs9oP5TGBPwbLSjrDeMttHzMd35MPq3XceijE3LNovP4yIr96XL\n"
    "i2Dtm9zJG3p2gX+3CpM5xG4dfdohAw7YipOJDcQGqmXcArNmgxC7DyH8m9SAOdVF\n"
    "vsybsw9tGa65hb/SW1y0C6+avr28tRW2ntdagCWMQulgwrdRJVTyVdvxLKy3Sjgf\n"
    "zZRqlpkU6ShY4EYVe2LCj3YrnaeVV5tjYGK6jB9pYLlY46ITexYN0E2u4bQflygx\n"
    "gh6hQZYVhIduLV2vWFH4MzKP5e/d3dKdMsReaDl9aFgagL6zf6yFcnnD+f2CtzZc\n"
    "30Og0YM7SMe4GFagDje48Q0hhvDLwwIDAQABAoICAASy3ZDMuybkIxqQYCn16NQQ\n"
    "bq6hRmrUU9VZSnbTnmHXpdk/gfvtE8GllEK5qR3KQK6/VC1FsBJbBxNB82N5wFgV\n"
    "/5hSgaS9MXJ/HeaXii5635kF23lecFWYg2IwJVbIxTs8h+lEjqq9HYBfPofVy1jx\n"
    "5UpvICrusPHkkaSoXIUkIxJ7KcASyYaYwTu26xvTcPL1S5XhjwwSDxppUnzwS1jJ\n"
    "jXJEzv0ERFMFKXC5EvMvFiOXTEdc8fIi/6pzEG2Khcxl6FBKkXrhxfWxn9l128Fl\n"
    "ZFZ1/538InOOP7OU81uTDZIu7eA6JKIHecOi49VB1R+HKBB2gaAitdQBS6R76W19\n"
    "JQhe0A4aWxmyse7L+X2Z4KyJhWyH6yBFLJ/ftYPVFyqX8BRX0RtwUKqZWrDrRK8x\n"
    "uUPhG2WE2qWFA0Ek9LQlx9bRhbdD2k3gPVnlPHLXkQ0ag9z75/kHTvV9r3YzuYBP\n"
    "OID574FN5J7DyrMQjT5BuW5nK3+Vy7sYByUkdykMldF6kzkgozJ8S43OrdL97Cde\n"
    "k90qheIsSP2SvHGN4oopk9yIJB0CMJF0oKm9XBnCvvR/uGv2SU7hYnkp8EVN4nUR\n"
    "w5BUmNix+62g6GpMAmOl0I4Ffmc1hwAJx7Ne1jjfqwJAUFkgNhDjwNndr6kGbjdo\n"
    "/hDqBSriAwpgMBg5lbHNAoIBAQD4zlR3QwenlEmrcbsCknayIeGTh2gtrDiffSHt\n"
    "bF+GrIw4cEetXN2XjAopBmkWxckjmjqnQc88SpxtUDPaOdDAXKB+vSTekQqqduE/\n"
    "E8qCnufXBtEzTqWNldR3CKAQ+gcnzus3j9BjsmQbVwr6jfM6cHKU+IO8V5NTgSYw\n"
    "9gYqtUxJ4MmSoEbCLvRlRnFXPx/Sqj3qqzxVgPzMF26OYRui9K+fN9Y0FC54DOHi\n"
    "LLVrOsIJM9T6npucwVGmZ0D0kYI0E4lA/cu+eWNempatr+RWirA1BxD7gEoKw5Tl\n"
    "/944acj7igfclPb2gX7/xRWvklEey+KNRgQid4QXWczHULAXAoIBAQC7Vh4xNapi\n"
    "wyLO/+srhD9TrhqSaZwk7O3i5PEwomlFQ1Ps6rSPVvRH5ZvX0+oqi0hRiMagTcOu\n"
    "1e5TWhIcrdCHHTuMbh6P7LenHBSSzWKDBsFoqxnDlty0Nh5fR4Tn+4KQcKFcHaBO\n"
    "89nIf1zLc24H0tJlKD3YBjSMUbICGJylwmgvkPFnmHodIyxfBXHoKNOCxcTdvhnr\n"
    "v7zAx3uqpnKLKLTQT+hmZYa+CC46G4PtBpBZTJsV+xPVoLAOW2qw7FWGVTa9quAZ\n"
    "maxW1bLVEFzKpvYFKutC4qYloWztOWPZOPhqfpmn3Hl+16We9uAQTQ7p3rngTNIc\n"
    "pxEjvI/vPcE1AoIBAAHACc4Q9aPTIjWHhkY9W4JjRJ/yCuSPWpKcobl20rEy04Wu\n"
    "HIL2rURcotGpDuIvH/wVIKZ+iwOkjrciIks9rt87h5F8qR67rHSIg4sbC4ihr4XO\n"
    "sXgH7JgzXpw7vkyARb6c8QCiDVg2MAgVM6mRiA14LwYnPV38y7eBqBAeGur//Xpj\n"
    "j2dtozHIfMWdmjx/4CxuMCNPcwwy7RROceOkgTpDOF0JWoNhRPZpOMmLgPcxIZ5I\n"
    "9A2TQgr3PSjLfyR5RY4yOPvxDRbY6b8HnVm5bATD0vt8gj0SqPKsb4aypxCEhfpm\n"
    "/SkrDxWq0YbhDwb+I33w9zYBMRRA/PfhFNSuF58CggEBALYAoc6fW80d1hiTzC94\n"
    "CWpMEObEEf5R7X/te2ILuAihs8zN7eQAz812BqV17d+td/I21vpw8rdOgn+aV1Rj\n"
    "jd9nCC6T4b9kdLy27En/nkC79HWzHZHHZN70YSeiPT6APMYFls7+vXtXL/O5wTas\n"
    "C28wZFYA9ayFwtG8oRumO7JTIJNt1wsVuTXLsVUT3il2WJ+Jco0YHujKXCBS7hPK\n"
    "KCiIwLpNl/S7mF/RZM/xYYeLQ/xuD5IYX5nBxqn8KLiAs0qSSV+VvqlAgo3OijKz\n"
    "9eKwuP4mR3Cw8EhI/6GtixNEZRxZqQDLk4InEnJRWTidFOskByQinlNWALHehVwi\n"
    "fC0CggEAOkfmazjvsFpInmeRLQ5LOPJB4qNGal8gTu23UaS7AmLOjb9gtKaAQmrC\n"
    "Zk5kJcyX0OjyS5+0krP7/ikthvyxhRj6vGqgyjBNI9gCj1Z28HCciW0UbIdfqOv7\n"
    "p8O1rxfFWjFSkfExXREv18tzU06Hdg/bkFejJ4ipbUypG5i5vrN2flHK+llVsIHu\n"
    "XQModtEMNtBdRJU6hKVxDtNRbd9EPWPUno6l67fX/cu9y/5Zq00AUa9hz2o38vyo\n"
    "Yq3rw8KUKLDLsB4D+2372mL9uKA+hsThjMtS+QTbDW92hX479PnZ5iBtaUduBxJW\n"
    "HxvgJE0JIU/WQIug7nK9A4AE517zcw==\n"
    "-----END PRIVATE KEY-----\n"
    ;

SNP_TEST_KEY_UNUSED static const char snp_test_key_vcek[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBe7r0cN3wdZrTwwA5h\n"
    "R3hPRyfDGbvAEWNsuiYobcrGhydTzoQ1kvSDpPhs15ZPuYihZANiAARO68psuhJQ\n"
    "aLPQkxATsEq2EjMFAdSWOuJBch0GA7b9Z0xvP3E7Pr0NFxNpMi+92cjqkZNupR7+\n"
    "pH1H9C/OXekcb60p46XVSJY3C0AGUs/ncrBsCr0JlHhXgDS5QSESSFA=\n"
    "-----END PRIVATE KEY-----\n"
    ;

SNP_TEST_KEY_UNUSED static const char snp_test_key_vlek[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCbKc22+GTV+osV/Lsm\n"
    "T72DukUomfLKsLnllCczO3HjbzuKEXg+Q1RsW0bFdyfoREihZANiAARrcui2/jal\n"
    "hhzC5xk0L9MLPyvKS5Xeg2VZKbOThUEFw9CNfG8IQANzRTTx3UGlgNaVt9yM5A5m\n"
    "jVJrRTc9SBb8w7knRLhSsP5RAlXn8yhwhYsY2nMkv303TBlMgEBlZrU=\n"
    "-----END PRIVATE KEY-----\n"
    ;

/* snp_sim_keys_import's argument: ARK, ASK, ASVK, VCEK, VLEK. */
SNP_TEST_KEY_UNUSED static const char *const snp_test_keys[5] = {
    snp_test_key_ark, snp_test_key_ask, snp_test_key_asvk, snp_test_key_vcek, snp_test_key_vlek,
};

/* Another platform from the same keys in other roles. */
SNP_TEST_KEY_UNUSED static const char *const snp_test_keys_rotated[5] = {
    snp_test_key_ask, snp_test_key_asvk, snp_test_key_ark, snp_test_key_vlek, snp_test_key_vcek,
};

#endif /* CONFAI_TESTS_SNP_SIM_TEST_KEYS_H */
