// DOCUMENTATION ONLY — the bridging header for `KeisBridge.swift`: the C functions of
// `keis_tablet::ios` (mobile/tablet/src/ios.rs), as the Rust library exports them.
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEIS_OK 0
#define KEIS_BAD_ARGUMENT (-1)
#define KEIS_TAG_OK 0
#define KEIS_TAG_LOST 1
#define KEIS_TAG_FAILED 2

typedef int32_t (*keis_transceive_fn)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap,
                                      size_t *out_len);
typedef int32_t (*keis_platform_fn)(void *ctx);

typedef struct KeisTagLink {
    void *ctx;
    keis_transceive_fn transceive;
    void (*release)(void *ctx);
    size_t max_transceive_length;
    bool extended_length;
} KeisTagLink;

int32_t keis_ios_register(const char *files_dir, keis_platform_fn open_camera, keis_platform_fn begin_card_session,
                          void *ctx);
int32_t keis_ios_on_tag(KeisTagLink link);
int32_t keis_ios_on_photo(const char *path);
