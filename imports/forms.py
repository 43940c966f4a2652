from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .formats import ALLOWED_EXTENSIONS
from .models import IMPORT_SOURCES


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 300 * 1024 * 1024))


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"), choices=IMPORT_SOURCES)
    file = forms.FileField(
        label=_("名单文件"),
        help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）。上传后先校验预览，确认后才写入。"),
    )
    snapshot_date = forms.DateField(
        label=_("名单日期"),
        required=False,
        help_text=_("名单截至的日期，退出人员的救助身份在该日终止；不填为今天。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("不支持的文件格式：请上传 .xlsx、.xls 或 .csv 文件。"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("文件太大（上限 %(mb)s MB）。") % {"mb": max_upload_bytes() // (1024 * 1024)}
            )
        return upload
